package io.pgmux.proxy.auth;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FailedLoginsTest {
    private static final Duration FIRST = Duration.ofMillis(200);
    private static final Duration MAX = Duration.ofSeconds(5);

    private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
    private final FailedLogins failed = new FailedLogins(now::get);

    private static InetAddress ip(int n) throws UnknownHostException {
        return InetAddress.getByAddress(new byte[] {10, (byte) (n >> 16), (byte) (n >> 8), (byte) n});
    }

    @Test
    void eachFailureFromAnAddressWaitsTwiceAsLongUpToTheCap() throws UnknownHostException {
        long[] millis = new long[8];
        for (int i = 0; i < millis.length; i++) {
            millis[i] = failed.onFailure(ip(1), FIRST, MAX).delay().toMillis();
        }

        assertEquals("[200, 400, 800, 1600, 3200, 5000, 5000, 5000]", java.util.Arrays.toString(millis));
        assertEquals(200, failed.onFailure(ip(2), FIRST, MAX).delay().toMillis(), "another address starts at the first delay");
        assertEquals(9, failed.total());
    }

    @Test
    void anAddressStartsAgainAfterALoginOrAQuietMinute() throws UnknownHostException {
        failed.onFailure(ip(1), FIRST, MAX);
        failed.onFailure(ip(1), FIRST, MAX);
        failed.onSuccess(ip(1));
        assertEquals(200, failed.onFailure(ip(1), FIRST, MAX).delay().toMillis());

        failed.onFailure(ip(1), FIRST, MAX);
        now.addAndGet(Duration.ofSeconds(61).toNanos());
        assertEquals(200, failed.onFailure(ip(1), FIRST, MAX).delay().toMillis());
    }

    @Test
    void oneLogLinePerAddressPerMinuteCountsTheFailuresSinceTheLast() throws UnknownHostException {
        assertTrue(failed.onFailure(ip(1), FIRST, MAX).logNow());
        for (int i = 0; i < 10; i++) {
            assertFalse(failed.onFailure(ip(1), FIRST, MAX).logNow());
        }
        now.addAndGet(Duration.ofSeconds(60).toNanos());
        FailedLogins.Outcome next = failed.onFailure(ip(1), FIRST, MAX);

        assertTrue(next.logNow());
        assertEquals(11, next.failures());
    }

    @Test
    void theTableKeepsAtMostItsLimitOfAddresses() throws UnknownHostException {
        for (int i = 0; i < FailedLogins.MAX_ADDRESSES + 5_000; i++) {
            failed.onFailure(ip(i), FIRST, MAX);
        }

        assertEquals(FailedLogins.MAX_ADDRESSES, failed.addresses());
    }

    @Test
    void aZeroDelayTurnsItOff() throws UnknownHostException {
        for (int i = 0; i < 5; i++) {
            assertEquals(Duration.ZERO, failed.onFailure(ip(1), Duration.ZERO, MAX).delay());
        }
    }
}
