package io.pgmux.proxy.client;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.proxy.backend.ServerConnection;

import java.util.ArrayDeque;

/**
 * The bookkeeping of one client holding one server: how many ReadyForQuery the server still owes
 * the client and pgmux's own injected queries, whether the client sent extended-protocol messages
 * since its last sync point, whether a COPY FROM STDIN is running, and the last transaction status.
 * A server may go back to its pool only when {@link #isClean()}: nothing owed, nothing unsynced, no
 * COPY, and status idle.
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
    /** The last Query or Execute sent, which may turn out to start a COPY FROM STDIN, was an Execute. */
    private boolean statementIsExecute;
    /** Syncs sent after that statement and before the client ended any COPY data: a COPY FROM STDIN swallows them. */
    private int syncsSinceStatement;
    /** A CopyDone or CopyFail was sent after that statement, and whether a Sync followed it. */
    private boolean copyEndSent;
    private boolean syncAfterCopyEnd;
    /** The server is in COPY FROM STDIN, where Postgres ignores Sync, until the client ends the data or the server fails the COPY. */
    private boolean copyIn;
    private TransactionStatus status = TransactionStatus.IDLE;

    ServerLink(ServerConnection server) {
        this.server = server;
    }

    /** Counts a client message about to be forwarded. */
    void onClientMessage(byte type) {
        switch (type) {
            case Frontend.SYNC -> {
                if (!copyIn) {
                    clientReadies++;
                    unsynced = false;
                    if (copyEndSent) {
                        syncAfterCopyEnd = true;
                    } else {
                        syncsSinceStatement++;
                    }
                }
            }
            case Frontend.QUERY, Frontend.FUNCTION_CALL -> {
                clientReadies++;
                unsynced = false;
                startStatement(false);
            }
            case Frontend.EXECUTE -> {
                unsynced = true;
                startStatement(true);
            }
            case Frontend.PARSE, Frontend.BIND, Frontend.DESCRIBE, Frontend.CLOSE -> unsynced = true;
            case Frontend.COPY_DONE, Frontend.COPY_FAIL -> {
                copyIn = false;
                copyEndSent = true;
            }
            default -> {
                // CopyData belongs to the running COPY; Flush asks for nothing new.
            }
        }
    }

    private void startStatement(boolean execute) {
        statementIsExecute = execute;
        syncsSinceStatement = 0;
        copyEndSent = false;
        syncAfterCopyEnd = false;
    }

    /**
     * Notes a server message bound for the client (ReadyForQuery goes to {@link #onClientReady}).
     * A CopyInResponse means the last statement started a COPY FROM STDIN: the Syncs sent since,
     * before its data ended, get no ReadyForQuery, and an Execute's batch now waits for a later Sync.
     */
    void onServerMessage(byte type) {
        if (type == Backend.COPY_IN_RESPONSE) {
            clientReadies -= syncsSinceStatement;
            syncsSinceStatement = 0;
            if (statementIsExecute && !syncAfterCopyEnd) {
                unsynced = true;
            }
            copyIn = !copyEndSent;
        } else if (type == Backend.ERROR_RESPONSE) {
            copyIn = false;
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
     * @return false when the server sent one more than it owed: the link is out of step
     */
    boolean onClientReady(TransactionStatus status) {
        if (clientReadies == 0) {
            return false;
        }
        clientReadies--;
        this.status = status;
        return true;
    }

    boolean isClean() {
        return clientReadies == 0 && injected.isEmpty() && !unsynced && !copyIn && status == TransactionStatus.IDLE;
    }

    /** Nothing is owed, but a transaction is open (or failed): a ROLLBACK makes the server clean. */
    boolean needsOnlyRollback() {
        return clientReadies == 0 && injected.isEmpty() && !unsynced && !copyIn && status != TransactionStatus.IDLE;
    }

    TransactionStatus status() {
        return status;
    }

    boolean inTransaction() {
        return status != TransactionStatus.IDLE;
    }
}
