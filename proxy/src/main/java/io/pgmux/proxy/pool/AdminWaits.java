package io.pgmux.proxy.pool;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The admin commands waiting on a pool's servers to close: PAUSE until the paused pool has no server
 * left, WAIT_CLOSE until none opened in an older generation is left (after RECONNECT or a reload).
 *
 * <p>Not thread-safe: its pool calls it only with the pool's lock held, as {@link ServerLists}; the
 * futures it hands back are completed by the pool once the lock is released.
 */
final class AdminWaits {
    private final List<CompletableFuture<Void>> drainWaiters = new ArrayList<>();
    private final List<CloseWaiter> closeWaiters = new ArrayList<>();

    private record CloseWaiter(int generation, CompletableFuture<Void> done) {}

    /** A PAUSE waits until no server is left. */
    void addDrain(CompletableFuture<Void> drained) {
        drainWaiters.add(drained);
    }

    /** A WAIT_CLOSE waits until no server older than {@code generation} is left. */
    void addClose(int generation, CompletableFuture<Void> done) {
        closeWaiters.add(new CloseWaiter(generation, done));
    }

    /** Takes every PAUSE wait (the pool resumed or closed before it drained). */
    List<CompletableFuture<Void>> takeDrains() {
        List<CompletableFuture<Void>> taken = new ArrayList<>(drainWaiters);
        drainWaiters.clear();
        return taken;
    }

    /** Takes every WAIT_CLOSE wait (the pool closed). */
    List<CompletableFuture<Void>> takeCloses() {
        List<CompletableFuture<Void>> taken = new ArrayList<>(closeWaiters.size());
        closeWaiters.forEach(wait -> taken.add(wait.done()));
        closeWaiters.clear();
        return taken;
    }

    boolean isEmpty() {
        return drainWaiters.isEmpty() && closeWaiters.isEmpty();
    }

    /** Takes the waits that are now over: PAUSE if {@code paused} and no server is left, WAIT_CLOSE per generation. */
    List<CompletableFuture<Void>> takeFinished(boolean paused, ServerLists servers) {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        if (paused && servers.size() == 0 && servers.count(ServerPhase.CLOSING) == 0) {
            done.addAll(drainWaiters);
            drainWaiters.clear();
        }
        for (Iterator<CloseWaiter> it = closeWaiters.iterator(); it.hasNext(); ) {
            CloseWaiter wait = it.next();
            if (!servers.oldServersLeft(wait.generation())) {
                it.remove();
                done.add(wait.done());
            }
        }
        return done;
    }
}
