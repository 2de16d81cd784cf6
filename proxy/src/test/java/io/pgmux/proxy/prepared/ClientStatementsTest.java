package io.pgmux.proxy.prepared;

import io.pgmux.proxy.prepared.ClientStatements.Registration;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A client's own names: each holds one reference in the pool's registry, dropped with the name. */
class ClientStatementsTest {
    private static StatementKey key(String sql) {
        return new StatementKey(sql, new int[0], null);
    }

    private final StatementRegistry registry = new StatementRegistry();
    private final ClientStatements client = new ClientStatements(registry);

    @Test
    void namesPointAtSharedStatements() {
        ClientStatements other = new ClientStatements(registry);
        Registration mine = client.register("a", key("SELECT 1"));
        Registration theirs = other.register("b", key("SELECT 1"));

        assertSame(mine.statement(), theirs.statement());
        assertSame(mine, client.get("a"));
        assertNull(client.get("b"), "names are per client");
        assertEquals(1, registry.size());

        assertNotNull(client.unregister("a"));
        assertNull(client.unregister("a"));
        assertEquals(1, registry.size(), "the other client still names it");
        other.clear();
        assertEquals(0, registry.size());
    }

    @Test
    void undoForgetsTheNameOnlyIfItIsStillThatRegistration() {
        Registration failed = client.register("a", key("SELEC 1"));
        client.undo(failed);
        assertNull(client.get("a"));
        assertEquals(0, registry.size());

        Registration first = client.register("b", key("SELECT 1"));
        client.unregister("b");
        Registration second = client.register("b", key("SELECT 2"));
        client.undo(first);
        assertSame(second, client.get("b"));
        assertEquals(1, registry.size());
    }

    @Test
    void forgetBeforeDropsOnlyOlderRegistrations() {
        client.register("old1", key("SELECT 1"));
        client.register("old2", key("SELECT 2"));
        long deallocateAll = client.nextGeneration();
        client.register("new", key("SELECT 3"));

        client.forgetBefore(deallocateAll);

        assertNull(client.get("old1"));
        assertNull(client.get("old2"));
        assertNotNull(client.get("new"));
        assertEquals(1, client.size());
        assertEquals(1, registry.size());
    }

    @Test
    void textLengthCountsWhatTheNamesReferTo() {
        Registration a = client.register("a", key("SELECT 1"));
        client.register("b", key("SELECT 22"));
        client.register("c", key("SELECT 1"));
        assertEquals(8 + 9 + 8, client.textLength(), "a text named twice counts twice");

        client.unregister("b");
        client.undo(a);
        assertEquals(8, client.textLength());
        client.restore(a);
        assertEquals(16, client.textLength());
        client.forgetBefore(client.nextGeneration());
        assertEquals(0, client.textLength());
    }

    @Test
    void clearDropsEveryReference() {
        client.register("a", key("SELECT 1"));
        client.register("b", key("SELECT 2"));
        client.clear();
        assertEquals(0, client.size());
        assertEquals(0, registry.size());
    }
}
