package io.pgmux.proxy.client;

import io.pgmux.protocol.TransactionStatus;
import io.pgmux.proxy.backend.ServerParameters;
import io.pgmux.proxy.sql.MultiStatementQuery;
import io.pgmux.proxy.sql.QueryFacts;
import io.pgmux.proxy.sql.QueryScan;
import io.pgmux.proxy.sql.SetConfigCalls;
import io.pgmux.proxy.sql.SqlCommand;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Which of the SETs and RESETs a client runs on the server it holds it keeps (in transaction
 * mode, they follow it to its next server), and when its server must be reset before others use
 * it. A change holds once the transaction it ran in is over and not rolled back: at a COMMIT, or
 * at the ReadyForQuery that finds the server out of any transaction. An error or a ROLLBACK undoes
 * the changes not yet held; since a savepoint may have kept some of them on the server, the server
 * is then marked for a reset.
 *
 * <p>A simple query of several statements is one implicit transaction unless a COMMIT inside it
 * ends it: its changes hold once a COMMIT after them has completed, or the whole query has. Its
 * statements complete in order, and queries are answered one after the other, so the progress of
 * the one being answered is kept here.
 *
 * <p>One per session, pointed at each server it holds ({@link #attach}); used on the client's event loop only.
 */
final class SettingChanges {

    /** The client whose settings these are. */
    interface Client {
        /** A SET or RESET of the client's took effect (committed, or outside a transaction). */
        void onClientSettingChanged(SqlCommand command);

        /** A server reported a changed setting during the client's transaction. */
        void onClientParameterStatus(String name, String value);

        /** The client's value of a setting (what its SQL means depends on some), or null. */
        default String clientSetting(String name) {
            return null;
        }
    }

    /** A query or Execute is a SET or RESET of the client's (or {@link SqlCommand#UNFOLLOWED}, which pgmux cannot follow). */
    record SettingChange(SqlCommand command) implements ReplyQueue.Attachment {}

    /** A simple query of several statements, in the order the server completes them, {@link SqlCommand#OTHER} for most. */
    record MultiStatement(List<SqlCommand> statements) implements ReplyQueue.Attachment {}

    private static final SqlCommand DISCARD_ALL = new SqlCommand(SqlCommand.Kind.DISCARD_ALL, null, null);

    /** In transaction mode a client's SET must follow it to its next server, and not stay behind on this one. */
    private final boolean tracked;
    private ServerParameters server;
    private final Client client;
    /** Whether the client's plain strings take backslash escapes; asked only when a query's text is read. */
    private final BooleanSupplier backslashEscapes = this::clientStringsTakeBackslashEscapes;
    /** Changes that completed in the open transaction (or before the next ReadyForQuery); null when none. */
    private List<SqlCommand> inTransaction;
    /** Changes that completed in the multi-statement query being answered, not yet committed; null when none. */
    private List<SqlCommand> inQuery;
    /** Statements of that query completed so far. */
    private int statementsCompleted;

    SettingChanges(boolean tracked, Client client) {
        this.tracked = tracked;
        this.client = client;
    }

    /** The client now holds the server with these settings, outside any transaction of its own. */
    void attach(ServerParameters server) {
        this.server = server;
        inTransaction = null;
        inQuery = null;
        statementsCompleted = 0;
    }

    // ---------------------------------------------------------------- what goes to the server

    /** What the entry of a query or Execute running this one command carries for the settings, or null. */
    SettingChange attachmentFor(SqlCommand command) {
        return tracked && (command.changesSetting() || command.isUnfollowed()) ? new SettingChange(followable(command)) : null;
    }

    /**
     * A simple query goes out: what its entry carries when it has several statements (null when it
     * has one), and the server is marked for a reset where pgmux may not follow what it sets.
     *
     * @param sql its text
     */
    MultiStatement onQuerySent(QueryScan sql) {
        if (!tracked) {
            return null;
        }
        List<SqlCommand> statements = MultiStatementQuery.statementsMentioningSet(sql, backslashEscapes);
        MultiStatement attachment = statements == null ? null : multiStatement(statements, () -> MultiStatementQuery.hasBackslash(sql));
        onTextSent(sql);
        return attachment;
    }

    /** The same for a Query that was streamed, from what was read of it as it passed. */
    MultiStatement onQuerySent(QueryFacts facts) {
        if (!tracked) {
            return null;
        }
        MultiStatement attachment = facts.setStatements() == null ? null : multiStatement(facts.setStatements(), facts::hasBackslash);
        if (facts.maySetConfig()) {
            server.markUnknown();
        }
        return attachment;
    }

    private MultiStatement multiStatement(List<SqlCommand> statements, BooleanSupplier hasBackslash) {
        // The client keeps the SETs pgmux reads in it. When there are some, or the text has a
        // backslash (the one place where reading SQL depends on more than the text), the server
        // is also reset before others use it, in case pgmux misread: an UPDATE ... SET costs nothing.
        boolean setsSomething = statements.stream().anyMatch(c -> c.changesSetting() || c.isUnfollowed());
        if (setsSomething || hasBackslash.getAsBoolean()) {
            server.markUnknown();
        }
        return new MultiStatement(statements.stream().map(this::followable).toList());
    }

    /** A statement's text goes out (a query, an unnamed Parse): a set_config in it changes settings pgmux does not see. */
    void onTextSent(QueryScan sql) {
        if (tracked && SetConfigCalls.maySetConfigForTheSession(sql)) {
            server.markUnknown();
        }
    }

    /** Whether the client's plain strings take backslash escapes ({@code standard_conforming_strings} off), asked when needed. */
    BooleanSupplier backslashEscapes() {
        return backslashEscapes;
    }

    private boolean clientStringsTakeBackslashEscapes() {
        return "off".equalsIgnoreCase(client.clientSetting("standard_conforming_strings"));
    }

    /**
     * The command, or {@link SqlCommand#UNFOLLOWED} for a value pgmux may have read wrong: text beyond
     * ASCII from a client whose encoding is not UTF-8 (pgmux reads SQL as UTF-8).
     */
    private SqlCommand followable(SqlCommand command) {
        boolean utf8 = "UTF8".equalsIgnoreCase(client.clientSetting("client_encoding"))
                || "UTF-8".equalsIgnoreCase(client.clientSetting("client_encoding"));
        if (command.value() != null && !utf8 && !command.value().chars().allMatch(c -> c < 0x80)) {
            return SqlCommand.UNFOLLOWED;
        }
        return command;
    }

    // ---------------------------------------------------------------- what the server answers

    /**
     * The server reported a setting (ParameterStatus): during the client's own messages
     * ({@code forClient}), the value is the client's too.
     */
    void onParameterStatus(String name, String value, boolean forClient) {
        server.report(name, value);
        if (forClient) {
            client.onClientParameterStatus(name, value);
            if (name.equalsIgnoreCase("session_authorization")) {
                // other clients do not carry the login user's name: only a reset takes it back for them
                server.markUnknown();
            }
        }
    }

    /** A statement completed (CommandComplete) for an entry that carries {@code attachment}. */
    void onCommandComplete(ReplyQueue.Attachment attachment) {
        if (attachment instanceof SettingChange change) {
            if (change.command().isUnfollowed()) {
                server.markUnknown();
            } else {
                keepUntilTransactionEnds(change.command());
            }
        } else if (attachment instanceof MultiStatement query && statementsCompleted < query.statements().size()) {
            SqlCommand statement = query.statements().get(statementsCompleted++);
            if (statement.changesSetting()) {
                if (inQuery == null) {
                    inQuery = new ArrayList<>(2);
                }
                inQuery.add(statement);
            }
        }
    }

    /**
     * A ROLLBACK completed. ROLLBACK TO SAVEPOINT has the same tag and undoes only the SETs after
     * the savepoint: the ones before stay on the server. Which is which is unknown here, so the
     * client forgets them all and the server is reset before anyone uses it next.
     */
    void onRollback() {
        if (inTransaction != null || inQuery != null) {
            server.markUnknown();
        }
        inTransaction = null;
        inQuery = null;
    }

    /** A COMMIT (or PREPARE TRANSACTION, whose SETs stay with the session) completed: the changes are the client's now. */
    void onCommit() {
        takeQueryChanges();
        List<SqlCommand> committed = inTransaction;
        inTransaction = null;
        if (committed != null) {
            committed.forEach(client::onClientSettingChanged);
        }
    }

    /** A DISCARD ALL completed: the server's settings are reset; when the client ran it ({@code byClient}), its own are too. */
    void onDiscardAll(boolean byClient) {
        server.resetApplied();
        if (byClient) {
            inTransaction = null;
            client.onClientSettingChanged(DISCARD_ALL);
        }
    }

    /**
     * An error ended the statement: Postgres rolls back the transaction's SETs with it (or will, at
     * the ROLLBACK a failed transaction needs). A savepoint may yet keep some: the client forgets
     * them and the server is reset before others use it.
     */
    void onError() {
        inQuery = null;
        if (inTransaction != null) {
            inTransaction = null;
            server.markUnknown();
        }
    }

    /**
     * The ReadyForQuery of a client's query or Sync: the query's changes join the transaction's,
     * and all of them hold if the server is out of any transaction. (Postgres reports changed
     * settings just before ReadyForQuery, so that is also when a RESET's server default has arrived
     * and the client's startup value can take its place.)
     */
    void onReadyForQuery(TransactionStatus status) {
        takeQueryChanges();
        statementsCompleted = 0;
        if (inTransaction != null && status == TransactionStatus.IDLE) {
            List<SqlCommand> done = inTransaction;
            inTransaction = null;
            done.forEach(client::onClientSettingChanged);
        }
    }

    private void takeQueryChanges() {
        if (inQuery != null) {
            inQuery.forEach(this::keepUntilTransactionEnds);
            inQuery = null;
        }
    }

    /** A client's SET or RESET completed: it holds for the client once its transaction commits. */
    private void keepUntilTransactionEnds(SqlCommand setting) {
        if (inTransaction == null) {
            inTransaction = new ArrayList<>(2);
        }
        inTransaction.add(setting);
    }
}
