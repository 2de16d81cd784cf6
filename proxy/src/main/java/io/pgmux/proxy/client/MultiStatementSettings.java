package io.pgmux.proxy.client;

import io.pgmux.proxy.sql.SqlCommand;

import java.util.ArrayList;
import java.util.List;

/**
 * The setting changes in a multi-statement simple query ({@code SET search_path TO a; SELECT ...}),
 * followed statement by statement as the server completes them. Postgres runs such a query as one
 * implicit transaction unless a COMMIT inside ends it: a change holds once a COMMIT after it has
 * completed, or the whole query has; an error or ROLLBACK undoes the changes not yet committed.
 * Used on the client's event loop only.
 */
final class MultiStatementSettings {
    /** The query's statements in order, {@link SqlCommand#OTHER} for those that change no setting. */
    private final List<SqlCommand> statements;
    private final List<SqlCommand> uncommitted = new ArrayList<>(2);
    private int completed;

    MultiStatementSettings(List<SqlCommand> statements) {
        this.statements = statements;
    }

    /** The next statement completed (a CommandComplete). */
    void onStatementComplete() {
        if (completed < statements.size()) {
            SqlCommand statement = statements.get(completed++);
            if (statement.changesSetting()) {
                uncommitted.add(statement);
            }
        }
    }

    /** The changes completed so far, handed over once: at a COMMIT inside the query, or at its end. */
    List<SqlCommand> takeCompleted() {
        List<SqlCommand> taken = List.copyOf(uncommitted);
        uncommitted.clear();
        return taken;
    }

    boolean hasUncommitted() {
        return !uncommitted.isEmpty();
    }

    /** An error or a ROLLBACK undid the changes not yet committed. */
    void discard() {
        uncommitted.clear();
    }
}
