package io.pgmux.proxy.pool;

import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * When a pool whose server logins fail may try again: {@code server_login_retry} as a schedule, so
 * that a server that is down sees one attempt per wait instead of a reconnect storm.
 *
 * <p>The failures are grouped in <em>rounds</em>. A failure while logins work starts round 1 and a
 * wait of {@code server_login_retry}; each later round's wait doubles, up to
 * {@link #maxDelay(Duration) a cap}, and every wait is drawn from ±{@value #JITTER_PERCENT}% of its
 * nominal length so that pools (and pgmux replicas) that failed together do not retry together.
 * A failure that arrives during a wait comes from an attempt made before the wait began (several
 * servers were opening when the server went away): it is counted but starts no round, so a burst
 * of failures costs one wait, not a longer one. A successful login ends the failing.
 *
 * <p>Each round is worth one log line, which carries the attempts that failed since the previous
 * one; what the pool does with waiting clients in a round is the pool's business.
 *
 * <p>Time comes from the clock given (nanoseconds, as {@link System#nanoTime()}) and the jitter
 * from the generator given, so that tests can play both. Not thread-safe: its pool calls it only
 * with the pool's lock held.
 */
final class LoginRetry {
    static final int JITTER_PERCENT = 20;
    /** A wait grows to at most this many times {@code server_login_retry}... */
    static final int MAX_FACTOR = 8;
    /** ...and past this only if {@code server_login_retry} itself is longer. */
    static final Duration MAX_DELAY = Duration.ofSeconds(30);

    private final LongSupplier clock;
    private final RandomGenerator random;
    /** Rounds failed since logins last worked; 0 while they work. */
    private int round;
    private long failingSinceNanos;
    private long nextAttemptNanos;
    /** Attempts that failed since the last round began (the burst that its report will count). */
    private int failedSinceReport;
    /** Attempts that failed since logins last worked. */
    private int failedInAll;

    /** What a failure that began a round is to report: the round, the failed attempts it covers, and its wait. */
    record Round(int number, int failedAttempts, long waitNanos) {}

    /** What a login that worked after failures is to report; {@code failedAttempts} is 0 if none had failed. */
    record Recovery(int failedAttempts, long failingNanos) {}

    LoginRetry(LongSupplier clock, RandomGenerator random) {
        this.clock = clock;
        this.random = random;
    }

    /** With the system's clock and a random jitter. */
    static LoginRetry system() {
        return new LoginRetry(System::nanoTime, RandomGenerator.getDefault());
    }

    /**
     * A login failed, {@code base} being {@code server_login_retry} now. Returns the round it began,
     * or null if it came during a wait (it is counted towards the next round's report).
     */
    Round onFailure(Duration base) {
        long now = clock.getAsLong();
        failedSinceReport++;
        failedInAll++;
        if (round > 0 && now - nextAttemptNanos < 0) {
            return null;
        }
        if (round == 0) {
            failingSinceNanos = now;
        }
        round++;
        long wait = jittered(nominalDelay(round, base).toNanos());
        nextAttemptNanos = now + wait;
        Round begun = new Round(round, failedSinceReport, wait);
        failedSinceReport = 0;
        return begun;
    }

    /** A login worked: the failing, if any, is over, and the next failure starts from round 1 again. */
    Recovery onSuccess() {
        Recovery recovery = new Recovery(failedInAll, round == 0 ? 0 : clock.getAsLong() - failingSinceNanos);
        reset();
        return recovery;
    }

    /** Forgets the failing, as if logins worked (the pool's server or credentials changed). */
    void reset() {
        round = 0;
        failedSinceReport = 0;
        failedInAll = 0;
    }

    /** Whether the last login failed (no login has worked since). */
    boolean isFailing() {
        return round > 0;
    }

    /** Whether the pool must not try to log in yet. */
    boolean isWaiting() {
        return round > 0 && clock.getAsLong() - nextAttemptNanos < 0;
    }

    /** The rounds failed since logins last worked; 0 while they work. */
    int round() {
        return round;
    }

    /**
     * The wait after round {@code round}'s failure, before jitter: {@code base}, doubled for every
     * round after the first, up to {@link #maxDelay}.
     */
    static Duration nominalDelay(int round, Duration base) {
        Duration max = maxDelay(base);
        Duration delay = base;
        for (int i = 1; i < round && delay.compareTo(max) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(max) < 0 ? delay : max;
    }

    /** The longest wait: {@value #MAX_FACTOR} × {@code base} or 30 s, whichever is less, but never less than {@code base}. */
    static Duration maxDelay(Duration base) {
        Duration factorCap = base.multipliedBy(MAX_FACTOR);
        Duration cap = factorCap.compareTo(MAX_DELAY) < 0 ? factorCap : MAX_DELAY;
        return cap.compareTo(base) > 0 ? cap : base;
    }

    private long jittered(long nanos) {
        if (nanos == 0) {
            return 0;
        }
        double factor = 1 + (random.nextDouble() * 2 - 1) * JITTER_PERCENT / 100.0;
        return Math.round(nanos * factor);
    }
}
