package io.pgmux.proxy.client;

import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.proxy.backend.ServerConnection;

import java.util.ArrayDeque;

/**
 * The bookkeeping of one client holding one server: how many ReadyForQuery the server still owes
 * the client and pgmux's own injected queries, whether the client sent extended-protocol messages
 * since its last sync point, and the last transaction status. A server may go back to its pool
 * only when {@link #isClean()}: nothing owed, nothing unsynced, and status idle.
 */
final class ServerLink {
    final ServerConnection server;
    /** ReadyForQuery still owed for the client's Query, Sync and FunctionCall messages. */
    private int clientReadies;
    /** pgmux's own queries in flight, oldest first; their answers come before the client's and are swallowed. */
    private final ArrayDeque<InjectedQuery> injected = new ArrayDeque<>(2);
    /** The server's reading is paused because the client cannot take more. */
    boolean serverPaused;
    /** The server sent a FATAL error to the client: it is about to close. */
    boolean serverFatal;
    /** Parse/Bind/Describe/Execute/Close sent since the client's last sync point. */
    private boolean unsynced;
    private TransactionStatus status = TransactionStatus.IDLE;
    /** When each sync point still owed a ReadyForQuery was sent (oldest first), for query times. */
    private long[] syncSentNanos = new long[4];
    private int syncHead;
    /** When the client took the server. */
    final long linkedAtNanos = System.nanoTime();

    ServerLink(ServerConnection server) {
        this.server = server;
    }

    /** Counts a client message about to be forwarded. */
    void onClientMessage(byte type) {
        switch (type) {
            case Frontend.QUERY, Frontend.SYNC, Frontend.FUNCTION_CALL -> {
                if (clientReadies == syncSentNanos.length) {
                    growSyncTimes();
                }
                syncSentNanos[(syncHead + clientReadies) % syncSentNanos.length] = System.nanoTime();
                clientReadies++;
                unsynced = false;
            }
            case Frontend.PARSE, Frontend.BIND, Frontend.DESCRIBE, Frontend.EXECUTE, Frontend.CLOSE -> unsynced = true;
            default -> {
                // CopyData/CopyDone/CopyFail belong to the running COPY; Flush asks for nothing new.
            }
        }
    }

    /** pgmux sends a query of its own; the server answers it before anything sent after it. */
    void onInjectedQuery(InjectedQuery query) {
        injected.addLast(query);
    }

    /** The query of pgmux's own that the next server frames answer, or null when they are the client's. */
    InjectedQuery currentInjected() {
        return injected.peekFirst();
    }

    /** The current injected query got its ReadyForQuery. */
    InjectedQuery completeInjected(TransactionStatus status) {
        this.status = status;
        return injected.pollFirst();
    }

    /**
     * A ReadyForQuery for the client.
     *
     * @return nanoseconds since the sync point it answers was sent, or -1 when the server sent one
     *         more than it owed: the link is out of step
     */
    long onClientReady(TransactionStatus status) {
        if (clientReadies == 0) {
            return -1;
        }
        long sentAt = syncSentNanos[syncHead];
        syncHead = (syncHead + 1) % syncSentNanos.length;
        clientReadies--;
        this.status = status;
        return System.nanoTime() - sentAt;
    }

    private void growSyncTimes() {
        long[] grown = new long[syncSentNanos.length * 2];
        for (int i = 0; i < clientReadies; i++) {
            grown[i] = syncSentNanos[(syncHead + i) % syncSentNanos.length];
        }
        syncSentNanos = grown;
        syncHead = 0;
    }

    boolean isClean() {
        return clientReadies == 0 && injected.isEmpty() && !unsynced && status == TransactionStatus.IDLE;
    }

    /** Nothing is owed, but a transaction is open (or failed): a ROLLBACK makes the server clean. */
    boolean needsOnlyRollback() {
        return clientReadies == 0 && injected.isEmpty() && !unsynced && status != TransactionStatus.IDLE;
    }

    TransactionStatus status() {
        return status;
    }

    boolean inTransaction() {
        return status != TransactionStatus.IDLE;
    }
}
