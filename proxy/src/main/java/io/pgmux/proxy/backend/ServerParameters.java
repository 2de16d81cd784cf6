package io.pgmux.proxy.backend;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The run-time parameters of a server connection as pgmux knows them: those the server reports
 * with ParameterStatus, and those pgmux set itself that the server does not report (names compare
 * case-insensitively, as Postgres does). Touched only by the connection's current holder.
 */
public final class ServerParameters {
    /**
     * Distinct custom setting names ({@code prefix.name}) a server may have been given before it
     * is retired. Postgres keeps a placeholder for every custom name a backend has seen until it
     * exits (RESET, RESET ALL and DISCARD ALL keep it), and each one makes every later SET slower;
     * through a pooler backends live on, so the names of all past clients would pile up.
     */
    public static final int MAX_CUSTOM_NAMES = 100;

    private final Map<String, String> reported = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    private final Map<String, String> applied = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    /** Custom names pgmux has set on the server, counted up to one past {@link #MAX_CUSTOM_NAMES}. */
    private final Set<String> customNames = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    /** Counts changes, so that "in sync with these settings" stays true only while nothing changed. */
    private long version;
    /**
     * How many times a client may have changed settings pgmux could not follow (set_config), and how
     * many of those marks a completed reset-first sync has covered: while they differ, no client is
     * in sync with this server. A mark made while a sync is in flight is not covered by it.
     */
    private long unknownMarks;
    private long resetMarks;
    private Object syncedWith;
    private long syncedVersion = -1;

    /** The session authorization the server reported at login: its login user. */
    private String loginAuthorization;

    /** A ParameterStatus from the server. */
    public void report(String name, String value) {
        if (loginAuthorization == null && name.equalsIgnoreCase("session_authorization")) {
            loginAuthorization = value;
        }
        if (!value.equals(reported.put(name, value)) | applied.remove(name) != null) {
            version++;
        }
    }

    /** pgmux SET a parameter the server does not report. */
    public void applied(String name, String value) {
        if (!reported.containsKey(name) && !value.equals(applied.put(name, value))) {
            version++;
        }
        if (name.indexOf('.') >= 0 && customNames.size() <= MAX_CUSTOM_NAMES) {
            customNames.add(name);
        }
    }

    /** The server has seen more custom names than it should keep: it goes when its client releases it. */
    public boolean holdsTooManyCustomNames() {
        return customNames.size() > MAX_CUSTOM_NAMES;
    }

    /** pgmux RESET a parameter it had set. */
    public void reset(String name) {
        if (applied.remove(name) != null) {
            version++;
        }
    }

    /** Whether {@code RESET ALL} leaves the setting alone, as Postgres does for these (DISCARD ALL does reset them). */
    public static boolean survivesResetAll(String name) {
        return name.equalsIgnoreCase("role") || name.equalsIgnoreCase("session_authorization");
    }

    /** The server ran {@code RESET ALL}: what pgmux set is gone, but for {@link #survivesResetAll} settings. */
    public void resetAll() {
        if (applied.keySet().removeIf(name -> !survivesResetAll(name))) {
            version++;
        }
    }

    /**
     * A client ran something that may change settings without pgmux seeing which ({@code set_config}
     * for the session): no client is in sync with this server until a sync has reset it.
     */
    public void markUnknown() {
        unknownMarks++;
        version++;
    }

    public boolean isUnknown() {
        return unknownMarks != resetMarks;
    }

    /** The marks made so far: a sync that resets the server covers these, not later ones. */
    public long unknownMarks() {
        return unknownMarks;
    }

    /**
     * The server reset every setting, role and session authorization included, with a sync sent
     * when {@code marks} marks were made: what pgmux set is gone.
     */
    public void resetEverything(long marks) {
        resetMarks = Math.max(resetMarks, marks);
        applied.clear();
        version++;
    }

    /** The server reset every setting ({@code DISCARD ALL}): what pgmux set is gone. */
    public void resetApplied() {
        if (!applied.isEmpty()) {
            applied.clear();
            version++;
        }
    }

    /**
     * The server now has exactly the settings {@code settings} stands for (an interned snapshot of
     * a client's settings): until something changes, a client with the same snapshot needs no sync.
     */
    public void markInSyncWith(Object settings) {
        syncedWith = settings;
        syncedVersion = version;
    }

    public boolean isInSyncWith(Object settings) {
        return settings == syncedWith && version == syncedVersion && !isUnknown();
    }

    /** Whether {@code authorization} is the user the server logged in as. */
    public boolean isLoginAuthorization(String authorization) {
        return authorization.equals(loginAuthorization);
    }

    public boolean isReported(String name) {
        return reported.containsKey(name);
    }

    /** The value as far as pgmux knows: reported, or set by pgmux; null when at the server default. */
    public String get(String name) {
        String value = reported.get(name);
        return value != null ? value : applied.get(name);
    }

    public Map<String, String> reported() {
        return Collections.unmodifiableMap(reported);
    }

    public Map<String, String> applied() {
        return Collections.unmodifiableMap(applied);
    }

    public ServerParameters copy() {
        ServerParameters copy = new ServerParameters();
        copy.reported.putAll(reported);
        copy.applied.putAll(applied);
        return copy;
    }
}
