package io.pgmux.proxy.backend;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The run-time parameters of a server connection as pgmux knows them: those the server reports
 * with ParameterStatus, and those pgmux set itself that the server does not report (names compare
 * case-insensitively, as Postgres does). Touched only by the connection's current holder.
 */
public final class ServerParameters {
    private final Map<String, String> reported = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    private final Map<String, String> applied = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);

    /** A ParameterStatus from the server. */
    public void report(String name, String value) {
        reported.put(name, value);
        applied.remove(name);
    }

    /** pgmux SET a parameter the server does not report. */
    public void applied(String name, String value) {
        if (!reported.containsKey(name)) {
            applied.put(name, value);
        }
    }

    /** pgmux RESET a parameter it had set. */
    public void reset(String name) {
        applied.remove(name);
    }

    /** The server reset every setting ({@code DISCARD ALL}): what pgmux set is gone. */
    public void resetApplied() {
        applied.clear();
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
