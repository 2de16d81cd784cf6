package io.pgmux.proxy.prepared;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The statements the clients of one pool have prepared, by content, shared by all event loops.
 * A statement is kept while some client holds a name for it; servers refer to statements by their
 * server name, which depends only on the content, so a statement forgotten here and prepared again
 * later is still recognised by the servers that kept it.
 */
public final class StatementRegistry {
    private final ConcurrentHashMap<StatementKey, PreparedStatement> statements = new ConcurrentHashMap<>();

    /** The statement with this content, counting one more client reference to it. */
    public PreparedStatement reference(StatementKey key) {
        return statements.compute(key, (k, existing) -> {
            PreparedStatement statement = existing != null ? existing : new PreparedStatement(k);
            statement.clientReferences.incrementAndGet();
            return statement;
        });
    }

    /** A client dropped its name for the statement. */
    public void unreference(PreparedStatement statement) {
        statements.computeIfPresent(statement.key(), (k, existing) -> {
            if (existing != statement) {
                return existing;
            }
            return statement.clientReferences.decrementAndGet() <= 0 ? null : existing;
        });
    }

    /** Whether a server accepted a statement of this content (without taking a reference). */
    public boolean isValidated(StatementKey key) {
        PreparedStatement statement = statements.get(key);
        return statement != null && statement.isValidated();
    }

    /**
     * A server accepted this content. Marks the statement the registry holds for it now, which may
     * be a newer object than the one a server slot still refers to.
     */
    public void markValidated(PreparedStatement statement) {
        statement.markValidated();
        PreparedStatement current = statements.get(statement.key());
        if (current != null) {
            current.markValidated();
        }
    }

    public int size() {
        return statements.size();
    }

    public Collection<PreparedStatement> all() {
        return List.copyOf(statements.values());
    }
}
