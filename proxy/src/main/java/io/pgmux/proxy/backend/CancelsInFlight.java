package io.pgmux.proxy.backend;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The cancel requests sent for one server connection that Postgres has not finished with yet (it
 * closes a cancel request's connection once it has signalled the backend). A server with one in
 * flight is not given to another client: the late cancel would stop that client's query instead
 * (PgBouncer's test_cancel_race). Used from any loop.
 */
final class CancelsInFlight {
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicReference<Runnable> whenDone = new AtomicReference<>();

    /** Counts one more in flight; true if it is the only one (so it is the one to send). */
    boolean start() {
        return count.incrementAndGet() == 1;
    }

    boolean inFlight() {
        return count.get() != 0;
    }

    void finish() {
        if (count.decrementAndGet() == 0) {
            Runnable then = whenDone.getAndSet(null);
            if (then != null) {
                then.run();
            }
        }
    }

    /**
     * With none in flight, returns false and the caller goes on; else {@code then} runs when the
     * last one is done (on the loop that finished it) and this returns true.
     */
    boolean deferUntilDone(Runnable then) {
        whenDone.set(then);
        return count.get() != 0 || !whenDone.compareAndSet(then, null);
    }
}
