package io.pgmux.proxy.admin;

import io.pgmux.proxy.client.ClientInfo;
import io.pgmux.proxy.client.ClientSession;
import io.pgmux.proxy.client.SessionRegistry;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * Reaching other client sessions without waiting on their event loops: each one is asked on its own
 * loop, and the answers are combined when the last one arrives.
 */
final class Sessions {
    private Sessions() {
    }

    /**
     * Every open session's {@link ClientInfo}, in id order; a session that is closing (a FATAL went
     * out, or its socket is closed) is left out, as PgBouncer drops a client from its lists at once.
     */
    static CompletableFuture<List<ClientInfo>> describeAll(SessionRegistry registry) {
        List<CompletableFuture<ClientInfo>> answers = new ArrayList<>();
        for (ClientSession session : registry.all()) {
            try {
                answers.add(CompletableFuture.supplyAsync(() -> session.closing() ? null : session.describe(),
                        session.executor()));
            } catch (RejectedExecutionException stopping) {
                // its loop is shutting down: the session is going away
            }
        }
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).handle((ignored, error) -> {
            List<ClientInfo> infos = new ArrayList<>(answers.size());
            for (CompletableFuture<ClientInfo> answer : answers) {
                ClientInfo info = answer.isCompletedExceptionally() ? null : answer.join();
                if (info != null) {
                    infos.add(info);
                }
            }
            infos.sort(Comparator.comparingLong(ClientInfo::id));
            return infos;
        });
    }

    /** Runs {@code action} on each session's own loop; completes when every one has run. */
    static CompletableFuture<Void> forEach(SessionRegistry registry, Consumer<ClientSession> action) {
        List<CompletableFuture<Void>> runs = new ArrayList<>();
        for (ClientSession session : registry.all()) {
            runs.add(onLoop(session, () -> action.accept(session)));
        }
        return CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new));
    }

    /** Runs {@code action} on the session's own loop; completes when it has run (at once if the loop is gone). */
    static CompletableFuture<Void> onLoop(ClientSession session, Runnable action) {
        try {
            return CompletableFuture.runAsync(action, session.executor());
        } catch (RejectedExecutionException stopping) {
            // its loop is shutting down: the session is going away
            return CompletableFuture.completedFuture(null);
        }
    }
}
