package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Query;
import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.client.RewrittenQuery.Step;
import io.pgmux.proxy.prepared.ClientStatements.Registration;
import io.pgmux.proxy.prepared.PreparedStatement;
import io.pgmux.proxy.prepared.ServerStatements.Slot;
import io.pgmux.proxy.prepared.StatementKey;
import io.pgmux.proxy.sql.NamedStatementSql;
import io.pgmux.proxy.sql.NamedStatementSql.Statement;

import java.util.ArrayList;
import java.util.List;

/**
 * SQL-level prepared statements under transaction pooling: the {@code PREPARE}, {@code EXECUTE}
 * and {@code DEALLOCATE} statements of a simple query act on the client's named statements, the
 * same ones a protocol Parse names ({@link NamedStatements}), so one namespace holds both as in
 * Postgres. The query's text is rewritten where a name is: a PREPARE prepares the statement under
 * pgmux's name for its content (or is answered by pgmux when the server already holds it), an EXECUTE
 * runs pgmux's name (after pgmux's own PREPARE of it, or a Parse, on a server that lacks it), a
 * DEALLOCATE of a client name is answered by pgmux. The rest of the text is sent as written.
 *
 * <p>Where Postgres raises an error (a name taken, a name unknown) the statement is replaced by one
 * that fails when the server reaches it, so the statements before it run, the ones after it do not,
 * and the transaction is left failed, as in Postgres; the client gets Postgres's error.
 */
final class SqlStatementNames {
    /** Fails when the server runs it (not when it parses the text): an unknown function. */
    static final String REFUSAL_SQL = "SELECT pg_catalog.pgmux_refused_this_statement()";

    private final StatementContext statements;
    private final NamedStatements named;
    private final ServerConnection server;
    private final SessionFeatureGate features;
    private final TransactionStatus status;
    private final NamedStatementSql query;
    private final StringBuilder text = new StringBuilder();
    private final List<Step> steps = new ArrayList<>();
    /** pgmux prepared a statement with a Parse ahead of the query: a Sync must follow it. */
    private boolean parsedAhead;
    private int copied;

    private SqlStatementNames(StatementContext statements, NamedStatements named, ServerConnection server,
            SessionFeatureGate features, TransactionStatus status, NamedStatementSql query) {
        this.statements = statements;
        this.named = named;
        this.server = server;
        this.features = features;
        this.status = status;
        this.query = query;
    }

    /** The rewritten query and its steps; {@link #parsedAhead} says whether messages went to the server ahead of it. */
    record Rewrite(String sql, List<Step> steps, boolean parsedAhead) {
        ByteBuf message(ByteBufAllocator alloc) {
            return new Query(sql).encode(alloc);
        }
    }

    /**
     * Rewrites {@code query} for the server the client holds, changing the client's names as each
     * statement is sent ({@link RewrittenQuery} confirms or undoes them).
     *
     * @param status the server's transaction status when nothing is owed, or null when it is not known yet
     */
    static Rewrite rewrite(StatementContext statements, NamedStatements named, ServerConnection server,
            SessionFeatureGate features, TransactionStatus status, NamedStatementSql query) {
        SqlStatementNames rewriting = new SqlStatementNames(statements, named, server, features, status, query);
        for (Statement statement : query.statements()) {
            rewriting.add(statement);
        }
        rewriting.text.append(query.sql(), rewriting.copied, query.sql().length());
        return new Rewrite(rewriting.text.toString(), rewriting.steps, rewriting.parsedAhead);
    }

    private void add(Statement statement) {
        switch (statement.kind()) {
            case PREPARE -> prepare(statement);
            case EXECUTE -> execute(statement);
            case DEALLOCATE -> deallocate(statement);
            case DEALLOCATE_ALL -> deallocateAll(statement);
            case OTHER -> steps.add(Step.server(null));
        }
    }

    private void prepare(Statement statement) {
        StatementKey key = StatementKey.ofSql(statement.body(), statement.parameterTypes(), statements.searchPath());
        ErrorResponse refusal = statements.refusalForName(statement.name(), key.query().length());
        if (refusal != null) {
            refuse(statement, refusal);
            return;
        }
        Registration registration = statements.client().register(statement.name(), key);
        statements.counts().clientParses++;
        PreparedStatement prepared = registration.statement();
        Slot slot = server.statements().find(prepared);
        boolean held = slot != null && slot.state() != Slot.State.ABSENT;
        if (held && !failed()) {
            if (slot.state() == Slot.State.PRESENT) {
                statements.registry().markValidated(prepared);
            }
            leaveOut(statement, Step.local("PREPARE", new NamedStatements.LocalParse(registration)));
            return;
        }
        // In a failed transaction the server refuses it (25P02) and the name is undone.
        Slot created = held ? null : named.newSlot(prepared, 0);
        if (created != null) {
            statements.counts().serverParses++;
        }
        rename(statement, prepared.serverName());
        steps.add(Step.server(new NamedStatements.ParseAttempt(registration, created)));
    }

    private void execute(Statement statement) {
        Registration registration = statements.client().get(statement.name());
        if (registration == null) {
            refuse(statement, StatementContext.unknownStatement(statement.name()));
            return;
        }
        PreparedStatement prepared = registration.statement();
        if (features != null && features.tracks()) {
            ErrorResponse refusal = features.admit(NamedStatements.sessionFeatures(prepared), server.id());
            if (refusal != null) {
                refuse(statement, refusal);
                return;
            }
        }
        if (statements.tracksSettings() && NamedStatements.changesSessionSettings(prepared)) {
            server.parameters().markUnknown();
        }
        Slot slot = server.statements().find(prepared);
        if (slot == null || slot.state() == Slot.State.ABSENT) {
            prepareAhead(statement, prepared);
        }
        statements.counts().binds++;
        rename(statement, prepared.serverName());
        steps.add(Step.renamed(statement.name(), prepared.serverName()));
    }

    /**
     * Prepares on this server a statement it lacks, before the EXECUTE that runs it: by pgmux's own
     * PREPARE in the text when SQL can say what it declares, else (parameter types by number) by a
     * Parse sent ahead of the query.
     */
    private void prepareAhead(Statement statement, PreparedStatement prepared) {
        boolean sqlCanDeclare = prepared.declaresTypesByName() || noTypesDeclared(prepared.key().parameterTypes());
        if (!sqlCanDeclare && failed()) {
            return; // the server refuses the EXECUTE (25P02); a Parse ahead would only add an error
        }
        if (!sqlCanDeclare) {
            named.ensurePrepared(prepared, 0);
            parsedAhead = true;
            return;
        }
        Slot slot = named.newSlot(prepared, 0);
        statements.counts().serverParses++;
        text.append(query.sql(), copied, statement.start());
        copied = statement.start();
        if (!text.isEmpty() && !Character.isWhitespace(text.charAt(text.length() - 1))) {
            text.append('\n'); // after a statement's last line, which may end in a comment
        }
        text.append(prepared.prepareSql()).append("\n;");
        steps.add(Step.hidden(new NamedStatements.Prepare(slot)));
    }

    private static boolean noTypesDeclared(int[] types) {
        for (int type : types) {
            if (type != 0) {
                return false;
            }
        }
        return true;
    }

    private void deallocate(Statement statement) {
        if (failed() || statements.client().get(statement.name()) == null) {
            steps.add(Step.server(null)); // the server says 25P02, or 26000 naming the client's name
            return;
        }
        Registration removed = statements.client().unregister(statement.name());
        leaveOut(statement, Step.local("DEALLOCATE", new NamedStatements.LocalClose(removed)));
    }

    private void deallocateAll(Statement statement) {
        if (failed()) {
            steps.add(Step.server(null));
            return;
        }
        List<Registration> removed = statements.client().unregisterAll();
        leaveOut(statement, Step.local("DEALLOCATE ALL", new NamedStatements.LocalDeallocateAll(removed)));
    }

    private boolean failed() {
        return status == TransactionStatus.FAILED;
    }

    /** The statement is replaced by one the server fails when it reaches it; the client gets {@code error}. */
    private void refuse(Statement statement, ErrorResponse error) {
        text.append(query.sql(), copied, statement.start());
        text.append(REFUSAL_SQL);
        copied = statement.end();
        steps.add(Step.refused(error));
    }

    /** The statement's name becomes pgmux's. */
    private void rename(Statement statement, String serverName) {
        text.append(query.sql(), copied, statement.nameStart());
        text.append(serverName);
        copied = statement.nameEnd();
    }

    /** The statement is answered by pgmux: its text is left out (its semicolon stays, an empty statement). */
    private void leaveOut(Statement statement, Step step) {
        text.append(query.sql(), copied, statement.start());
        copied = statement.end();
        steps.add(step);
    }
}
