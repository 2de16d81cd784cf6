package io.pgmux.proxy.client;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Logged-in clients counted by a name (their database, or their user), against a limit per name:
 * what {@code max_db_client_connections} and {@code max_user_client_connections} count. Sessions on
 * any loop may join and leave at once: each count is raised only after checking its limit, and a
 * name's entry goes when its count is back to zero, so names that come and go leave nothing behind.
 */
final class ClientsPerName {
    private final ConcurrentHashMap<String, AtomicInteger> counts = new ConcurrentHashMap<>();

    /** Counts one more client under {@code name} unless {@code limit} are counted already (0 = no limit). */
    boolean tryAdd(String name, int limit) {
        boolean[] added = {false};
        counts.compute(name, (n, count) -> {
            AtomicInteger c = count != null ? count : new AtomicInteger();
            if (limit == 0 || c.get() < limit) {
                c.incrementAndGet();
                added[0] = true;
            }
            return c.get() == 0 ? null : c;
        });
        return added[0];
    }

    /** One client counted under {@code name} left. */
    void remove(String name) {
        counts.computeIfPresent(name, (n, count) -> count.decrementAndGet() == 0 ? null : count);
    }

    /** Clients counted under {@code name} now. */
    int count(String name) {
        AtomicInteger count = counts.get(name);
        return count == null ? 0 : count.get();
    }

    /** The names at least one client is counted under now. */
    Set<String> names() {
        return Set.copyOf(counts.keySet());
    }
}
