package io.pgmux.proxy.client;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One shared, unmodifiable copy of each set of client settings in use, so that ten thousand clients
 * that logged in alike hold one map between them instead of one each (an idle client's settings were
 * its largest part: three tree maps, some fifteen entries). A client that changes a setting makes
 * its own copy first ({@link ClientParameters}); a changed one is shared again once it is used.
 *
 * <p>Shared by all event loops: looked up at login and after a change, never per message. Holds at
 * most {@link #MAX_SHARED} of each kind; past that a client keeps its own copy.
 */
final class SharedSettings {
    static final int MAX_SHARED = 4096;

    /** The maps, keyed by their names and values in order, compared exactly (case and all). */
    private static final Map<List<String>, NavigableMap<String, String>> MAPS = new ConcurrentHashMap<>();
    private static final Map<List<String>, NavigableSet<String>> SETS = new ConcurrentHashMap<>();

    private SharedSettings() {
    }

    /** The shared copy of {@code settings} (names compare case-insensitively), which must not be changed. */
    static NavigableMap<String, String> of(NavigableMap<String, String> settings) {
        List<String> key = new ArrayList<>(settings.size() * 2);
        settings.forEach((name, value) -> {
            key.add(name);
            key.add(value);
        });
        NavigableMap<String, String> shared = MAPS.get(key);
        if (shared != null) {
            return shared;
        }
        if (MAPS.size() >= MAX_SHARED) {
            return Collections.unmodifiableNavigableMap(new TreeMap<>(settings));
        }
        return MAPS.computeIfAbsent(List.copyOf(key),
                k -> Collections.unmodifiableNavigableMap(new TreeMap<>(settings)));
    }

    /** The shared copy of {@code names} (compared case-insensitively), which must not be changed. */
    static NavigableSet<String> of(NavigableSet<String> names) {
        List<String> key = List.copyOf(names);
        NavigableSet<String> shared = SETS.get(key);
        if (shared != null) {
            return shared;
        }
        if (SETS.size() >= MAX_SHARED) {
            return Collections.unmodifiableNavigableSet(new TreeSet<>(names));
        }
        return SETS.computeIfAbsent(key, k -> Collections.unmodifiableNavigableSet(new TreeSet<>(names)));
    }

    /** A map of the client's own, to change: a copy of {@code settings} when that one is shared. */
    static NavigableMap<String, String> own(NavigableMap<String, String> settings) {
        return settings instanceof TreeMap<String, String> own ? own : new TreeMap<>(settings);
    }

    /** A set of the client's own, to change: a copy of {@code names} when that one is shared. */
    static NavigableSet<String> own(NavigableSet<String> names) {
        return names instanceof TreeSet<String> own ? own : new TreeSet<>(names);
    }
}
