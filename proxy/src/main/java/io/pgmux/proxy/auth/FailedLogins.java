package io.pgmux.proxy.auth;

import java.net.InetAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Failed logins by client address, to slow down whoever guesses passwords: each failure from an
 * address that failed recently waits longer before its error is sent (the first
 * {@code auth_failure_delay}, doubling with each further one up to {@code auth_failure_max_delay});
 * an address with no failure for {@value #PERIOD_SECONDS} s starts again, and so does one that logs
 * in. The wait is the caller's to schedule (never a blocked thread), and it holds back only that
 * client's answer.
 *
 * <p>The table keeps at most {@value #MAX_ADDRESSES} addresses, the least recently failed leaving
 * first, so hostile clients cannot grow it without limit. Shared by all event loops under one
 * lock, held for a map update.
 */
public final class FailedLogins {
    static final int MAX_ADDRESSES = 10_000;
    static final long PERIOD_SECONDS = 60;
    private static final long PERIOD_NANOS = PERIOD_SECONDS * 1_000_000_000L;

    /** What a failure costs: the wait before its error goes out, and, once per address per period, a log line's count. */
    public record Outcome(Duration delay, int failures, boolean logNow) {}

    private static final class Entry {
        int failures;
        long lastNanos;
        long periodStartNanos;
        int inPeriod;
    }

    private final LongSupplier nanoTime;
    private final AtomicLong total = new AtomicLong();
    private final LinkedHashMap<InetAddress, Entry> byAddress = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetAddress, Entry> eldest) {
            return size() > MAX_ADDRESSES;
        }
    };

    public FailedLogins() {
        this(System::nanoTime);
    }

    FailedLogins(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /**
     * A login from {@code address} failed. {@code logNow} is true for the first failure of each
     * period, and {@code failures} then counts this address's failures since the last line.
     */
    public Outcome onFailure(InetAddress address, Duration firstDelay, Duration maxDelay) {
        total.incrementAndGet();
        long now = nanoTime.getAsLong();
        int failures;
        boolean logNow;
        int inPeriod;
        synchronized (byAddress) {
            Entry entry = byAddress.get(address);
            if (entry == null) {
                entry = new Entry();
                entry.periodStartNanos = now - PERIOD_NANOS;
                byAddress.put(address, entry);
            } else if (now - entry.lastNanos > PERIOD_NANOS) {
                entry.failures = 0;
            }
            entry.failures++;
            entry.inPeriod++;
            entry.lastNanos = now;
            failures = entry.failures;
            inPeriod = entry.inPeriod;
            logNow = now - entry.periodStartNanos >= PERIOD_NANOS;
            if (logNow) {
                entry.periodStartNanos = now;
                entry.inPeriod = 0;
            }
        }
        return new Outcome(delay(failures, firstDelay, maxDelay), inPeriod, logNow);
    }

    /** A login from {@code address} succeeded: its next failure waits only the first delay again. */
    public void onSuccess(InetAddress address) {
        synchronized (byAddress) {
            if (!byAddress.isEmpty()) {
                byAddress.remove(address);
            }
        }
    }

    /** Failed logins since start, for /metrics. */
    public long total() {
        return total.get();
    }

    /** Addresses remembered now (at most {@value #MAX_ADDRESSES}). */
    public int addresses() {
        synchronized (byAddress) {
            return byAddress.size();
        }
    }

    /** The {@code failures}-th failure in a row waits first × 2^(failures-1), at most max. */
    static Duration delay(int failures, Duration first, Duration max) {
        if (first.isZero()) {
            return Duration.ZERO;
        }
        long nanos = first.toNanos();
        for (int i = 1; i < failures && nanos < max.toNanos(); i++) {
            nanos *= 2;
        }
        return Duration.ofNanos(Math.min(nanos, max.toNanos()));
    }
}
