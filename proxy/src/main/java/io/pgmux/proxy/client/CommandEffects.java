package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.client.ReplyQueue.Attachment;

/**
 * What a command that completed on a {@link ServerLink}'s server changes besides its reply. The
 * tags that matter: the end of a transaction (for the client's SETs and session features), PREPARE
 * (an SQL statement that must not outlive the client's hold on this server), {@code DISCARD ALL}
 * and {@code DEALLOCATE ALL} (which empty the server of statements, and DISCARD ALL of settings).
 * One per session, pointed at each server it holds.
 */
final class CommandEffects {
    private ServerConnection server;
    private final StatementContext statements;
    private final SettingChanges settings;
    private final ClientRequests requests;
    /** The client's session features; null when nothing follows them. */
    private final SessionFeatureGate features;
    /** The client ran an SQL PREPARE pgmux did not rewrite (in a Parse's text): its statement must not outlive the transaction. */
    private boolean sqlPrepared;

    CommandEffects(StatementContext statements, SettingChanges settings, ClientRequests requests, SessionFeatureGate features) {
        this.statements = statements;
        this.settings = settings;
        this.requests = requests;
        this.features = features;
    }

    /** The link now holds {@code server}, on which the client has prepared nothing yet. */
    void attach(ServerConnection server) {
        this.server = server;
        sqlPrepared = false;
    }

    /** A CommandComplete for the request with {@code attachment}, going to the client unless {@code swallowed}. */
    void onCommandComplete(ByteBuf frame, Attachment attachment, boolean swallowed) {
        onCommandComplete(frame, attachment, swallowed, false);
    }

    /** The same; {@code knownPrepare}: a PREPARE of pgmux's name for a client's statement, which pgmux follows. */
    void onCommandComplete(ByteBuf frame, Attachment attachment, boolean swallowed, boolean knownPrepare) {
        settings.onCommandComplete(attachment);
        switch (CommandTag.of(frame)) {
            case ROLLBACK -> {
                settings.onRollback();
                if (features != null) {
                    features.onRollback();
                }
            }
            case COMMIT, PREPARE_TRANSACTION -> settings.onCommit();
            case PREPARE -> sqlPrepared |= !knownPrepare && statements.clearsUnknownSqlPrepare();
            case DISCARD_ALL -> {
                requests.onDiscardAll(attachment, !swallowed);
                settings.onDiscardAll(!swallowed);
            }
            case DEALLOCATE_ALL -> server.statements().clear();
            case OTHER -> {
            }
        }
    }

    /** See {@link ServerLink#takeSqlPrepared}. Answers once. */
    boolean takeSqlPrepared() {
        boolean prepared = sqlPrepared;
        sqlPrepared = false;
        return prepared;
    }
}
