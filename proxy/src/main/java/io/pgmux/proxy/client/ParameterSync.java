package io.pgmux.proxy.client;

import io.pgmux.proxy.backend.ServerParameters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What must change on a server before a client may use it: settings whose value differs from the
 * client's, and settings pgmux applied for an earlier client that this client did not ask for. As
 * one simple query: a {@code RESET} per setting to change, so that each value applies to the server
 * default as at login (DateStyle=iso keeps the default date order, not an earlier client's), then
 * {@code SELECT set_config(...), ...} — which also returns each value as the server normalizes it —
 * and a {@code RESET} per leftover. After a client changed settings pgmux could not follow
 * ({@link ServerParameters#isUnknown}), the query resets everything first and sets every value.
 */
record ParameterSync(long resetMarks, Map<String, String> toSet, List<String> toReset) {
    private static final String SESSION_AUTHORIZATION = "session_authorization";
    private static final String ROLE = "role";
    /** Back to the server's state at login, as far as settings go (the role goes with the authorization). */
    private static final String RESET_EVERYTHING = "RESET SESSION AUTHORIZATION;RESET ALL;";
    private static final long NO_RESET = -1;

    ParameterSync(Map<String, String> toSet, List<String> toReset) {
        this(NO_RESET, toSet, toReset);
    }

    /**
     * The sync for {@code client} on {@code server}. Privileges first: the session authorization
     * and the role are reset before anything else changes, so that every other setting is reset and
     * set as the server's login user; the client's own authorization is set first and its role last.
     */
    static ParameterSync between(ClientParameters client, ServerParameters server) {
        boolean resetFirst = server.isUnknown();
        boolean roleInvolved = client.get(ROLE) != null || server.get(ROLE) != null;
        Map<String, String> toSet = new LinkedHashMap<>();
        String authorization = client.get(SESSION_AUTHORIZATION);
        if (authorization != null && (resetFirst || !authorization.equals(server.get(SESSION_AUTHORIZATION)))) {
            toSet.put(SESSION_AUTHORIZATION, authorization);
        }
        client.values().forEach((name, value) -> {
            boolean privilege = name.equalsIgnoreCase(SESSION_AUTHORIZATION) || name.equalsIgnoreCase(ROLE);
            if (!privilege && (resetFirst || !value.equals(server.get(name)))) {
                toSet.put(name, value);
            }
        });
        List<String> toReset = new ArrayList<>();
        if (!resetFirst) {
            server.applied().keySet().forEach(name -> {
                if (client.get(name) == null) {
                    toReset.add(name);
                }
            });
        }
        String role = client.get(ROLE);
        boolean othersChange = !toSet.isEmpty() || !toReset.isEmpty();
        if (role != null && (resetFirst || roleInvolved && othersChange || !role.equals(server.get(ROLE)))) {
            toSet.put(ROLE, role);
        }
        return new ParameterSync(resetFirst ? server.unknownMarks() : NO_RESET, toSet, toReset);
    }

    boolean resetFirst() {
        return resetMarks != NO_RESET;
    }

    boolean isEmpty() {
        return !resetFirst() && toSet.isEmpty() && toReset.isEmpty();
    }

    String sql() {
        StringBuilder sql = new StringBuilder(resetFirst() ? RESET_EVERYTHING : "");
        if (!resetFirst()) {
            if (toSet.containsKey(SESSION_AUTHORIZATION)) {
                sql.append("RESET SESSION AUTHORIZATION;");
            } else if (toSet.containsKey(ROLE) || toReset.stream().anyMatch(ROLE::equalsIgnoreCase)) {
                sql.append("RESET ROLE;");
            }
        }
        for (String name : toSet.keySet()) {
            if (!isPrivilege(name)) {
                sql.append("RESET ").append(identifier(name)).append(';');
            }
        }
        for (String name : toReset) {
            if (!isPrivilege(name)) {
                sql.append("RESET ").append(identifier(name)).append(';');
            }
        }
        if (!toSet.isEmpty()) {
            sql.append("SELECT ");
            String separator = "";
            for (Map.Entry<String, String> setting : toSet.entrySet()) {
                sql.append(separator).append("pg_catalog.set_config(").append(literal(setting.getKey()))
                        .append(", ").append(literal(setting.getValue())).append(", false)");
                separator = ", ";
            }
            sql.append(';');
        }
        return sql.toString();
    }

    private static boolean isPrivilege(String name) {
        return name.equalsIgnoreCase(SESSION_AUTHORIZATION) || name.equalsIgnoreCase(ROLE);
    }

    /** Records on the server what a successful sync changed (reported values also arrive as ParameterStatus). */
    void applyTo(ServerParameters server, List<String> normalizedValues) {
        if (resetFirst()) {
            server.resetEverything(resetMarks);
        }
        int i = 0;
        for (String name : toSet.keySet()) {
            String value = i < normalizedValues.size() ? normalizedValues.get(i) : toSet.get(name);
            i++;
            if (server.isReported(name)) {
                server.report(name, value);
            } else {
                server.applied(name, value);
            }
        }
        toReset.forEach(server::reset);
        String authorization = toSet.get(SESSION_AUTHORIZATION);
        if (authorization != null && !server.isLoginAuthorization(authorization)) {
            // the next client, without an authorization of its own, must get the login user back
            server.markUnknown();
        }
    }

    /**
     * An escape-string literal in ASCII, other characters as Unicode escapes: it means the same
     * whatever {@code standard_conforming_strings} and {@code client_encoding} the server has.
     */
    static String literal(String value) {
        StringBuilder literal = new StringBuilder(value.length() + 3).append("E'");
        value.codePoints().forEach(c -> {
            if (c == '\\' || c == '\'') {
                literal.appendCodePoint(c).appendCodePoint(c);
            } else if (c < 0x80) {
                literal.appendCodePoint(c);
            } else {
                literal.append(String.format("\\U%08X", c));
            }
        });
        return literal.append('\'').toString();
    }

    static String identifier(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }
}
