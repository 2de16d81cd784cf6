package io.pgmux.proxy.pool;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The login retry schedule on a clock and a jitter the test plays. */
class LoginRetryTest {
    private static final Duration BASE = Duration.ofSeconds(1);
    private static final long SECOND = 1_000_000_000L;

    private long now = 42 * SECOND;
    /** What the jitter draws: 0.5 is no jitter, 0 the shortest wait, just under 1 the longest. */
    private double draw = 0.5;
    private final LoginRetry retry = new LoginRetry(() -> now, FixedDraws.of(() -> draw));

    @Test
    void theWaitIsTheSettingThenDoublesUpToEightTimesItOrThirtySeconds() {
        assertEquals(seconds(1, 2, 4, 8, 8, 8), nominalDelays(Duration.ofSeconds(1), 6));
        assertEquals(List.of(Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
                Duration.ofSeconds(4)), nominalDelays(Duration.ofMillis(500), 5));
        assertEquals(seconds(10, 20, 30, 30), nominalDelays(Duration.ofSeconds(10), 4), "30 s caps it before 8x");
        assertEquals(seconds(60, 60), nominalDelays(Duration.ofSeconds(60), 2), "a setting over 30 s is its own cap");
        assertEquals(seconds(0, 0), nominalDelays(Duration.ZERO, 2));
        assertEquals(Duration.ofSeconds(30), LoginRetry.nominalDelay(1_000, Duration.ofSeconds(10)), "no overflow however long it fails");
    }

    @Test
    void aFailureStartsAWaitOfTheSettingAfterWhichTheNextAttemptMayGo() {
        // given logins that work
        assertFalse(retry.isFailing());
        assertFalse(retry.isWaiting());

        // when one fails, round 1 begins with a wait of the setting
        LoginRetry.Round round = retry.onFailure(BASE);
        assertEquals(new LoginRetry.Round(1, 1, SECOND), round);
        assertTrue(retry.isFailing());
        assertTrue(retry.isWaiting());

        // then the pool waits until the second is over, not a nanosecond less
        now += SECOND - 1;
        assertTrue(retry.isWaiting());
        now += 1;
        assertFalse(retry.isWaiting());
        assertTrue(retry.isFailing());
    }

    @Test
    void failuresDuringAWaitAreCountedInTheNextRoundAndDoNotLengthenIt() {
        // given a burst: five servers were opening when the server went away
        assertNotNull(retry.onFailure(BASE));
        now += SECOND / 10;
        for (int i = 0; i < 4; i++) {
            assertNull(retry.onFailure(BASE), "a failure during the wait begins no round");
        }
        assertEquals(1, retry.round());

        // when the wait is over and the next attempt fails, round 2 reports the four and itself, and waits twice as long
        now += SECOND;
        LoginRetry.Round second = retry.onFailure(BASE);
        assertEquals(new LoginRetry.Round(2, 5, 2 * SECOND), second);

        // and round 3 waits four times as long, reporting only its own failure
        now += 2 * SECOND;
        assertEquals(new LoginRetry.Round(3, 1, 4 * SECOND), retry.onFailure(BASE));
    }

    @Test
    void aLoginThatWorksEndsTheFailingAndTheNextFailureStartsFromTheSettingAgain() {
        // given three failed rounds
        retry.onFailure(BASE);
        now += SECOND;
        retry.onFailure(BASE);
        now += 2 * SECOND;
        retry.onFailure(BASE);

        // when a login works, it reports the three attempts and how long logins failed
        now += 4 * SECOND;
        assertEquals(new LoginRetry.Recovery(3, 7 * SECOND), retry.onSuccess());
        assertFalse(retry.isFailing());
        assertFalse(retry.isWaiting());
        assertEquals(0, retry.round());

        // then the next failure is round 1 again, with the setting's wait
        assertEquals(new LoginRetry.Round(1, 1, SECOND), retry.onFailure(BASE));
    }

    @Test
    void aLoginThatWorksWithoutFailuresReportsNothing() {
        assertEquals(new LoginRetry.Recovery(0, 0), retry.onSuccess());
    }

    @Test
    void resetForgetsTheFailing() {
        retry.onFailure(BASE);
        retry.reset();
        assertFalse(retry.isFailing());
        assertFalse(retry.isWaiting());
        assertEquals(new LoginRetry.Round(1, 1, SECOND), retry.onFailure(BASE));
    }

    @Test
    void theJitterStaysWithinTwentyPercentEitherWay() {
        draw = 0;
        assertEquals(SECOND * 8 / 10, retry.onFailure(BASE).waitNanos());
        retry.reset();
        draw = Math.nextDown(1.0);
        assertEquals(SECOND * 12 / 10, retry.onFailure(BASE).waitNanos());
        retry.reset();
        draw = 0.25;
        assertEquals(SECOND * 9 / 10, retry.onFailure(BASE).waitNanos());
    }

    @Test
    void withARealRandomTheWaitsSpreadOverTheJitterRange() {
        LoginRetry real = new LoginRetry(() -> now, RandomGenerator.getDefault());
        Set<Long> waits = new HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            long wait = real.onFailure(BASE).waitNanos();
            assertTrue(wait >= SECOND * 8 / 10 && wait <= SECOND * 12 / 10, () -> wait + " ns");
            waits.add(wait);
            real.reset();
        }
        assertTrue(waits.size() > 900, () -> "only " + waits.size() + " distinct waits of 1000");
    }

    private static List<Duration> nominalDelays(Duration base, int rounds) {
        return IntStream.rangeClosed(1, rounds).mapToObj(round -> LoginRetry.nominalDelay(round, base)).toList();
    }

    private static List<Duration> seconds(long... values) {
        return Arrays.stream(values).mapToObj(Duration::ofSeconds).toList();
    }
}
