package io.pgmux.proxy.prepared;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A client's own names for its prepared statements (only its own: names are per client), each
 * pointing at a statement shared by content. Every registration carries a generation number, so
 * that a {@code DEALLOCATE ALL} answered later forgets exactly what was prepared before it was sent.
 * It also counts the length of the texts its names refer to: what the client makes pgmux keep.
 * Lives on the client's event loop.
 */
public final class ClientStatements {
    /** One name given by the client, in the order names were given. */
    public record Registration(String name, PreparedStatement statement, long generation) {}

    /** No names: shared by every client that has none (most never name a statement), never written. */
    private static final Map<String, Registration> NONE = Collections.emptyMap();

    /** {@link #NONE} until the first name, then the client's own. */
    private Map<String, Registration> byName = NONE;
    private final StatementRegistry registry;
    private long generation;
    private long textLength;

    public ClientStatements(StatementRegistry registry) {
        this.registry = registry;
    }

    public Registration get(String name) {
        return byName.get(name);
    }

    public int size() {
        return byName.size();
    }

    /** The total length of the statement texts its names refer to (a text named twice counts twice). */
    public long textLength() {
        return textLength;
    }

    /** The generation the next registration gets: what was registered before has a smaller one. */
    public long nextGeneration() {
        return generation + 1;
    }

    /** Names {@code key} as {@code name}; the caller has checked the name is free. */
    public Registration register(String name, StatementKey key) {
        Registration registration = new Registration(name, registry.reference(key), ++generation);
        own().put(name, registration);
        textLength += key.query().length();
        return registration;
    }

    /** Forgets {@code name}; returns what it named, or null. */
    public Registration unregister(String name) {
        Registration removed = byName == NONE ? null : byName.remove(name);
        if (removed != null) {
            dropped(removed);
        }
        return removed;
    }

    /** Gives back a name whose Close the server skipped, unless the name was taken again since. */
    public void restore(Registration registration) {
        if (!byName.containsKey(registration.name())) {
            StatementKey key = registration.statement().key();
            own().put(registration.name(), new Registration(registration.name(), registry.reference(key), registration.generation()));
            textLength += key.query().length();
        }
    }

    /** Undoes {@code registration} if the name still refers to it (its Parse failed). */
    public void undo(Registration registration) {
        if (byName != NONE && byName.remove(registration.name(), registration)) {
            dropped(registration);
        }
    }

    /** Forgets every name registered before {@code generation}. */
    public void forgetBefore(long generation) {
        for (Iterator<Registration> it = byName.values().iterator(); it.hasNext(); ) {
            Registration registration = it.next();
            if (registration.generation() < generation) {
                it.remove();
                dropped(registration);
            }
        }
    }

    /** Forgets every name; returns what they named (see {@link #restore}). */
    public List<Registration> unregisterAll() {
        List<Registration> removed = new ArrayList<>(byName.values());
        removed.forEach(registration -> unregister(registration.name()));
        return removed;
    }

    /** Forgets everything (the client left). */
    public void clear() {
        forgetBefore(Long.MAX_VALUE);
    }

    private Map<String, Registration> own() {
        if (byName == NONE) {
            byName = new HashMap<>();
        }
        return byName;
    }

    private void dropped(Registration registration) {
        registry.unreference(registration.statement());
        textLength -= registration.statement().key().query().length();
    }
}
