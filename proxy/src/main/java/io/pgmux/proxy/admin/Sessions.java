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

    /** Every session's {@link ClientInfo}, in id order; sessions that close meanwhile are left out. */
    static CompletableFuture<List<ClientInfo>> describeAll(SessionRegistry registry) {
        List<CompletableFuture<ClientInfo>> answers = new ArrayList<>();
        for (ClientSession session : registry.all()) {
            try {
                answers.add(CompletableFuture.supplyAsync(session::describe, session.executor()));
            } catch (RejectedExecutionException stopping) {
                // its loop is shutting down: the session is going away
            }
        }
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).handle((ignored, error) -> {
            List<ClientInfo> infos = new ArrayList<>(answers.size());
            for (CompletableFuture<ClientInfo> answer : answers) {
                if (!answer.isCompletedExceptionally()) {
                    infos.add(answer.join());
                }
            }
            infos.sort(Comparator.comparingLong(ClientInfo::id));
            return infos;
        });
    }

    /** Runs {@code action} on each session's own loop. */
    static void forEach(SessionRegistry registry, Consumer<ClientSession> action) {
        for (ClientSession session : registry.all()) {
            try {
                session.executor().execute(() -> action.accept(session));
            } catch (RejectedExecutionException stopping) {
                // its loop is shutting down: the session is going away
            }
        }
    }
}
