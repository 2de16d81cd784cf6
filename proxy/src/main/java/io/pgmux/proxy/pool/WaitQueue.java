package io.pgmux.proxy.pool;

import io.netty.util.concurrent.EventExecutor;
import io.pgmux.proxy.backend.ServerConnection;

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
final class WaitQueue extends WaitLine<WaitQueue.Queued> {
    /** How long the head of the queue may be passed over for a waiter on the released server's loop. */
    private static final long LOCALITY_GRACE_NANOS = 2_000_000;
    private static final int LOCALITY_WINDOW = 8;

    /** A queued client, since when, and whether it was told it waits ({@code query_wait_notify}). */
    static final class Queued implements WaitLine.Place {
        private final Waiter waiter;
        private final long sinceNanos;
        private boolean notified;

        private Queued(Waiter waiter, long sinceNanos) {
            this.waiter = waiter;
            this.sinceNanos = sinceNanos;
        }

        @Override
        public Waiter waiter() {
            return waiter;
        }

        @Override
        public long sinceNanos() {
            return sinceNanos;
        }
    }

    void add(Waiter waiter, long nowNanos) {
        addLast(new Queued(waiter, nowNanos));
    }

    /** The event loop of the first waiter; null if none waits. */
    EventExecutor headExecutor() {
        Queued head = head();
        return head != null ? head.waiter().executor() : null;
    }

    /** Whether the first waiter has waited {@code nanos} or longer; false if none waits. */
    boolean headWaitedAtLeast(long nowNanos, long nanos) {
        Queued head = head();
        return head != null && nowNanos - head.sinceNanos() >= nanos;
    }

    /** How long the first waiter has waited; 0 if none waits. */
    long headWaitNanos(long nowNanos) {
        Queued oldest = head();
        return oldest == null ? 0 : nowNanos - oldest.sinceNanos();
    }

    /**
     * The waiter that gets a released server. First come, first served; except that a waiter on the
     * server's own event loop, among the next few, goes first while the head of the queue has waited
     * less than {@link #LOCALITY_GRACE_NANOS}: a hand-over within one loop needs no cross-thread task.
     * The grace bounds how long the head can be passed over. Null if none waits.
     */
    Waiter nextFor(ServerConnection server) {
        Queued head = head();
        if (head == null || head.waiter().executor() == server.eventLoop()
                || System.nanoTime() - head.sinceNanos() > LOCALITY_GRACE_NANOS) {
            return waiterOf(pollHead());
        }
        int looked = 0;
        for (Iterator<Queued> it = iterator(); it.hasNext() && looked < LOCALITY_WINDOW; looked++) {
            Queued queued = it.next();
            if (queued.waiter().executor() == server.eventLoop()) {
                it.remove();
                return queued.waiter();
            }
        }
        return waiterOf(pollHead());
    }

    private static Waiter waiterOf(Queued queued) {
        return queued != null ? queued.waiter() : null;
    }

    /** Adds to {@code into} the waiters queued longer than {@code notifyAfterNanos} not yet told so (once per wait). */
    void takeLongWaits(long nowNanos, long notifyAfterNanos, List<Waiter> into) {
        // the queue is in the order of arrival: the first one not waiting long enough ends the sweep
        for (Queued queued : this) {
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
