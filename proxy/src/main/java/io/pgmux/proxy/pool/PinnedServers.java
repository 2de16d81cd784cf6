package io.pgmux.proxy.pool;

import io.pgmux.proxy.sql.SessionFeature;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntSupplier;

/**
 * How many of a pool's servers are kept by pinned clients (clients holding session features under
 * transaction pooling), bounded by {@code max_pinned_servers} so that pinned clients cannot take
 * the whole pool. Shared by the pool's clients on every loop: one atomic counter. The bound is read
 * at each attempt, so a reload applies to the next pin (those above a lowered bound stay until they end).
 */
public final class PinnedServers {
    private final AtomicInteger pinned = new AtomicInteger();
    private final AtomicLong pinnedTotal = new AtomicLong();
    /** Pins by the feature that made them, indexed by {@link SessionFeature#ordinal()}. */
    private final AtomicLongArray pinsByFeature = new AtomicLongArray(SessionFeature.values().length);
    private final IntSupplier limit;

    PinnedServers(IntSupplier limit) {
        this.limit = limit;
    }

    /** Takes a place for one more pinned server; false when {@link #limit()} are already pinned. */
    public boolean tryPin() {
        int max = limit.getAsInt();
        while (true) {
            int now = pinned.get();
            if (now >= max) {
                return false;
            }
            if (pinned.compareAndSet(now, now + 1)) {
                pinnedTotal.incrementAndGet();
                return true;
            }
        }
    }

    /** Gives back a place {@link #tryPin} took. */
    public void unpin() {
        pinned.decrementAndGet();
    }

    /** Servers pinned now. */
    public int count() {
        return pinned.get();
    }

    /** Times a server was pinned since the pool was made. */
    public long total() {
        return pinnedTotal.get();
    }

    /** A client was pinned, {@code feature} among the reasons (counted once for each). */
    public void countPinBy(SessionFeature feature) {
        pinsByFeature.incrementAndGet(feature.ordinal());
    }

    /** Pins {@code feature} was a reason of since the pool was made. */
    public long pinsBy(SessionFeature feature) {
        return pinsByFeature.get(feature.ordinal());
    }

    /** The bound now ({@code max_pinned_servers}). */
    public int limit() {
        return limit.getAsInt();
    }
}
