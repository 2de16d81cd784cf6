package io.pgmux.proxy.prepared;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A pool's statements by content: shared while referenced, named by content, validated by content. */
class StatementRegistryTest {
    private static final StatementKey PLUS = new StatementKey("SELECT $1 + 1", new int[] {23}, null);

    @Test
    void sameContentIsOneStatementWhileSomeClientNamesIt() {
        StatementRegistry registry = new StatementRegistry();
        PreparedStatement first = registry.reference(PLUS);
        PreparedStatement second = registry.reference(new StatementKey("SELECT $1 + 1", new int[] {23}, null));
        assertSame(first, second);
        assertEquals(1, registry.size());

        registry.unreference(first);
        assertEquals(1, registry.size(), "one client still names it");
        registry.unreference(second);
        assertEquals(0, registry.size());
    }

    @Test
    void textTypesAndSearchPathMakeTheContent() {
        StatementRegistry registry = new StatementRegistry();
        PreparedStatement plus = registry.reference(PLUS);
        PreparedStatement otherTypes = registry.reference(new StatementKey("SELECT $1 + 1", new int[] {20}, null));
        PreparedStatement untyped = registry.reference(new StatementKey("SELECT $1 + 1", new int[0], null));
        PreparedStatement otherPath = registry.reference(new StatementKey("SELECT $1 + 1", new int[] {23}, "app"));
        PreparedStatement otherText = registry.reference(new StatementKey("SELECT $1 + 2", new int[] {23}, null));

        assertEquals(5, registry.size());
        List<String> names = List.of(plus.serverName(), otherTypes.serverName(), untyped.serverName(), otherPath.serverName(),
                otherText.serverName());
        assertEquals(5, names.stream().distinct().count(), names.toString());
        names.forEach(name -> assertTrue(name.matches("pgmux_[0-9a-f]{24}"), name));
    }

    @Test
    void serverNameDependsOnlyOnTheContent() {
        PreparedStatement fromOnePool = new StatementRegistry().reference(PLUS);
        PreparedStatement fromAnother = new StatementRegistry().reference(new StatementKey("SELECT $1 + 1", new int[] {23}, null));
        assertNotSame(fromOnePool, fromAnother);
        assertEquals(fromOnePool.serverName(), fromAnother.serverName());
        assertNotEquals(fromOnePool.serverName(),
                new StatementRegistry().reference(new StatementKey("SELECT $1 + 1", new int[] {23}, "")).serverName(),
                "an empty search_path is not the server default");
    }

    @Test
    void statementForgottenAndReferencedAgainIsANewObjectWithTheSameName() {
        StatementRegistry registry = new StatementRegistry();
        PreparedStatement old = registry.reference(PLUS);
        registry.unreference(old);

        PreparedStatement again = registry.reference(PLUS);

        assertNotSame(old, again);
        assertEquals(old.serverName(), again.serverName());
        // a late unreference of the old object leaves the new one alone
        registry.unreference(old);
        assertEquals(1, registry.size());
        assertSame(again, registry.reference(PLUS));
    }

    @Test
    void validationFollowsTheContent() {
        StatementRegistry registry = new StatementRegistry();
        assertFalse(registry.isValidated(PLUS), "unknown content");
        PreparedStatement old = registry.reference(PLUS);
        assertFalse(registry.isValidated(PLUS));

        registry.markValidated(old);
        assertTrue(registry.isValidated(PLUS));
        assertTrue(old.isValidated());

        // forgotten: no longer known valid
        registry.unreference(old);
        assertFalse(registry.isValidated(PLUS));

        // a server slot still holding the old object validates the content the registry holds now
        PreparedStatement current = registry.reference(PLUS);
        assertFalse(registry.isValidated(PLUS));
        registry.markValidated(old);
        assertTrue(current.isValidated());
        assertTrue(registry.isValidated(PLUS));
    }

    @Test
    void concurrentReferencesBalanceOut() throws Exception {
        StatementRegistry registry = new StatementRegistry();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                done.add(threads.submit(() -> {
                    for (int i = 0; i < 10_000; i++) {
                        PreparedStatement statement = registry.reference(PLUS);
                        registry.unreference(statement);
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        assertEquals(0, registry.size());
    }
}
