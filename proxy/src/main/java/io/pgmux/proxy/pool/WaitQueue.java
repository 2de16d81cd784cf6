package io.pgmux.proxy.pool;

import io.netty.util.concurrent.EventExecutor;
import io.pgmux.proxy.backend.ServerConnection;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;

/**
 * The clients of one pool queued for a server, in the order they came, each with since when it
 * waits and whether it was told it waits ({@code query_wait_notify}). A released server goes to the
 * head, or to a waiter on its own event loop among the next few while the head has waited less than
 * {@link #LOCALITY_GRACE_NANOS} (see {@link #nextFor}).
 *
 * <p>Not thread-safe: its pool calls it only with the pool's lock held, as {@link ServerLists}.
 */
final class WaitQueue {
    /** How long the head of the queue may be passed over for a waiter on the released server's loop. */
    private static final long LOCALITY_GRACE_NANOS = 2_000_000;
    private static final int LOCALITY_WINDOW = 8;

    private final ArrayDeque<Queued> waiters = new ArrayDeque<>();

    /** A queued client, since when, and whether it was told it waits ({@code query_wait_notify}). */
    private static final class Queued {
        private final Waiter waiter;
        private final long sinceNanos;
        private boolean notified;

        Queued(Waiter waiter, long sinceNanos) {
            this.waiter = waiter;
            this.sinceNanos = sinceNanos;
        }

        Waiter waiter() {
            return waiter;
        }

        long sinceNanos() {
            return sinceNanos;
        }
    }

    void add(Waiter waiter, long nowNanos) {
        waiters.addLast(new Queued(waiter, nowNanos));
    }

    /** Takes {@code waiter} out of the queue; false if it was not in it. */
    boolean remove(Waiter waiter) {
        return waiters.removeIf(queued -> queued.waiter() == waiter);
    }

    boolean isEmpty() {
        return waiters.isEmpty();
    }

    int size() {
        return waiters.size();
    }

    /** Empties the queue into {@code into}, in order. */
    void takeAll(List<Waiter> into) {
        waiters.forEach(queued -> into.add(queued.waiter()));
        waiters.clear();
    }

    /** The event loop of the first waiter; null if none waits. */
    EventExecutor headExecutor() {
        Queued head = waiters.peekFirst();
        return head != null ? head.waiter().executor() : null;
    }

    /** Whether the first waiter has waited {@code nanos} or longer; false if none waits. */
    boolean headWaitedAtLeast(long nowNanos, long nanos) {
        Queued head = waiters.peekFirst();
        return head != null && nowNanos - head.sinceNanos() >= nanos;
    }

    /** How long the first waiter has waited; 0 if none waits. */
    long headWaitNanos(long nowNanos) {
        Queued oldest = waiters.peekFirst();
        return oldest == null ? 0 : nowNanos - oldest.sinceNanos();
    }

    /**
     * The waiter that gets a released server. First come, first served; except that a waiter on the
     * server's own event loop, among the next few, goes first while the head of the queue has waited
     * less than {@link #LOCALITY_GRACE_NANOS}: a hand-over within one loop needs no cross-thread task.
     * The grace bounds how long the head can be passed over. Null if none waits.
     */
    Waiter nextFor(ServerConnection server) {
        Queued head = waiters.peekFirst();
        if (head == null || head.waiter().executor() == server.eventLoop()
                || System.nanoTime() - head.sinceNanos() > LOCALITY_GRACE_NANOS) {
            return waiterOf(waiters.pollFirst());
        }
        int looked = 0;
        for (Iterator<Queued> it = waiters.iterator(); it.hasNext() && looked < LOCALITY_WINDOW; looked++) {
            Queued queued = it.next();
            if (queued.waiter().executor() == server.eventLoop()) {
                it.remove();
                return queued.waiter();
            }
        }
        return waiterOf(waiters.pollFirst());
    }

    private static Waiter waiterOf(Queued queued) {
        return queued != null ? queued.waiter() : null;
    }

    /** Takes the waiters queued longer than {@code timeoutNanos} into {@code into}, the oldest first. */
    void takeExpired(long nowNanos, long timeoutNanos, List<Waiter> into) {
        while (!waiters.isEmpty() && nowNanos - waiters.peekFirst().sinceNanos() > timeoutNanos) {
            into.add(waiters.pollFirst().waiter());
        }
    }

    /** Adds to {@code into} the waiters queued longer than {@code notifyAfterNanos} not yet told so (once per wait). */
    void takeLongWaits(long nowNanos, long notifyAfterNanos, List<Waiter> into) {
        // the queue is in the order of arrival: the first one not waiting long enough ends the sweep
        for (Queued queued : waiters) {
            if (nowNanos - queued.sinceNanos() <= notifyAfterNanos) {
                break;
            }
            if (!queued.notified) {
                queued.notified = true;
                into.add(queued.waiter());
            }
        }
    }
}
