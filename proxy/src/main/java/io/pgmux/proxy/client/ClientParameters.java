package io.pgmux.proxy.client;

import io.pgmux.proxy.backend.ServerParameters;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * The settings a client is entitled to on whatever server it holds: the server defaults the pool
 * reported, overlaid with what the client asked for at startup (parameters and {@code options}),
 * updated whenever a server reports a change the client made ({@code SET TimeZone ...}). Names
 * compare case-insensitively, as Postgres does.
 */
final class ClientParameters {
    /** Startup packet keys that are not settings. */
    private static final Set<String> NOT_SETTINGS = caseInsensitive("user", "database", "options", "replication");
    /**
     * Reported parameters a client cannot set, or that describe the server rather than the session
     * ({@code is_superuser} follows {@code session_authorization}).
     */
    private static final Set<String> NOT_SYNCED = caseInsensitive("server_version", "server_encoding",
            "integer_datetimes", "is_superuser", "in_hot_standby");
    /**
     * Synced only once the client changed it ({@code SET SESSION AUTHORIZATION}): the welcome's value is
     * the pool's login user, which a reload may change for new servers.
     */
    private static final Set<String> NOT_FROM_WELCOME = caseInsensitive("session_authorization");

    /*
     * The three collections are shared with other clients that have the same (SharedSettings) from
     * the welcome on, and again after a change once the settings are used: every change goes to a
     * copy of the client's own (SharedSettings.own).
     */
    private NavigableMap<String, String> values = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    /** What the client asked for at login (as the server normalizes it, once known): what RESET returns to. */
    private NavigableMap<String, String> startup = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    /** Settings the server reports (ParameterStatus): RESET of one is reported back by the server. */
    private NavigableSet<String> reported = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    /** The values as an interned map (lower-case names), shared by every client with the same settings; null after a change. */
    private Map<String, String> snapshot;

    /** The client's own startup settings, before the server defaults are known. */
    static ClientParameters fromStartup(Map<String, String> startup) {
        return fromStartup(startup, List.of());
    }

    /**
     * The client's own startup settings, without those named in {@code ignored}
     * ({@code ignore_startup_parameters}, case-insensitive), whether given as parameters or within
     * {@code options}. Naming {@code options} itself drops its words that are not settings
     * ({@code -d}) instead of refusing the login; its settings still apply.
     */
    static ClientParameters fromStartup(Map<String, String> startup, List<String> ignored) {
        Set<String> dropped = caseInsensitive(ignored.toArray(String[]::new));
        ClientParameters parameters = new ClientParameters();
        String options = startup.get("options");
        if (options != null) {
            StartupOptions.parse(options, dropped.contains("options")).forEach((name, value) -> {
                if (!dropped.contains(name)) {
                    parameters.values.put(name, value);
                }
            });
        }
        startup.forEach((name, value) -> {
            if (!NOT_SETTINGS.contains(name) && !name.startsWith("_pq_.") && !dropped.contains(name)) {
                parameters.values.put(name, value);
            }
        });
        parameters.startup.putAll(parameters.values);
        return parameters;
    }

    /** Fills in the server defaults for every synced setting the client did not choose. */
    void adoptDefaults(ServerParameters welcome) {
        snapshot = null;
        NavigableMap<String, String> ownValues = SharedSettings.own(values);
        NavigableSet<String> ownReported = SharedSettings.own(reported);
        welcome.reported().forEach((name, value) -> {
            if (!NOT_SYNCED.contains(name) && !NOT_FROM_WELCOME.contains(name)) {
                ownValues.putIfAbsent(name, value);
                ownReported.add(name);
            }
        });
        values = SharedSettings.of(ownValues);
        reported = SharedSettings.of(ownReported);
        startup = SharedSettings.of(startup);
    }

    /** A server reported a new value during this client's transaction: it follows the client. */
    void onServerReport(String name, String value) {
        snapshot = null;
        if (!NOT_SYNCED.contains(name)) {
            ownValues().put(name, value);
        }
        if (NOT_FROM_WELCOME.contains(name)) {
            // a change of session authorization also ends any SET ROLE, as in Postgres
            ownValues().remove("role");
        }
    }

    /** The client changed a setting ({@code SET name ...}). */
    void set(String name, String value) {
        snapshot = null;
        ownValues().put(name, value);
    }

    /** A startup setting as the server spells it: the current value and what RESET returns to. */
    void normalizeStartup(String name, String value) {
        snapshot = null;
        ownValues().put(name, value);
        if (startup.containsKey(name)) {
            startup = SharedSettings.own(startup);
            startup.put(name, value);
        }
    }

    /**
     * The client reset a setting: back to its startup value, as Postgres does; a reported setting
     * without one follows the server's ParameterStatus; any other goes back to the server default.
     */
    void reset(String name) {
        snapshot = null;
        String atStartup = startup.get(name);
        if (atStartup != null) {
            ownValues().put(name, atStartup);
        } else if (!reported.contains(name) && values.containsKey(name)) {
            ownValues().remove(name);
        }
    }

    /**
     * Reported settings that a reset returned to a startup value: the server reported its own
     * default, so the client must be told the value it will have from its next transaction on.
     */
    Map<String, String> reportedStartupValues(String onlyName) {
        Map<String, String> corrected = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        startup.forEach((name, value) -> {
            if (reported.contains(name) && (onlyName == null || onlyName.equalsIgnoreCase(name))) {
                corrected.put(name, value);
            }
        });
        return corrected;
    }

    /** {@code RESET ALL}, which leaves the role alone, or {@code DISCARD ALL}, which does not. */
    void resetAll(boolean discard) {
        for (String name : Set.copyOf(values.keySet())) {
            if (discard || !ServerParameters.survivesResetAll(name)) {
                reset(name);
            }
        }
    }

    /**
     * The client's settings as one object that {@code intern} makes shared among clients with the
     * same settings, so a server can tell in one comparison that it already has them
     * ({@link ServerParameters#isInSyncWith}).
     */
    Object snapshot(UnaryOperator<Map<String, String>> intern) {
        if (snapshot == null) {
            Map<String, String> lowerCased = new HashMap<>();
            values.forEach((name, value) -> lowerCased.put(name.toLowerCase(Locale.ROOT), value));
            snapshot = intern.apply(Map.copyOf(lowerCased));
            values = SharedSettings.of(values);
        }
        return snapshot;
    }

    private NavigableMap<String, String> ownValues() {
        values = SharedSettings.own(values);
        return values;
    }

    /** Whether this client and {@code other} hold one shared copy of the same settings (see SharedSettings). */
    boolean sharesSettingsWith(ClientParameters other) {
        return values == other.values && startup == other.startup && reported == other.reported;
    }

    String get(String name) {
        return values.get(name);
    }

    Map<String, String> values() {
        return Collections.unmodifiableMap(values);
    }

    private static Set<String> caseInsensitive(String... names) {
        Set<String> set = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        Collections.addAll(set, names);
        return set;
    }
}
