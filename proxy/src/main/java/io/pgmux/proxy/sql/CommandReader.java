package io.pgmux.proxy.sql;

import io.pgmux.proxy.sql.SqlCommand.Kind;

import java.util.Set;

/**
 * Reads one decoded statement as one of the commands pgmux follows ({@code DEALLOCATE},
 * {@code PREPARE}, {@code DISCARD ALL}, {@code SET}, {@code RESET}), word by word as Postgres
 * reads it.
 */
final class CommandReader {
    /** Settings whose value is a list of names: a string item is a name, quoted when it must be. */
    private static final Set<String> LIST_OF_NAMES = Set.of("search_path", "temp_tablespaces");

    private CommandReader() {
    }

    static SqlCommand read(String sql) {
        Words words = new Words(sql);
        String word = words.word();
        if (word == null) {
            return SqlCommand.OTHER;
        }
        switch (word) {
            case "prepare": {
                String next = words.word();
                return next == null || next.equals("transaction") ? SqlCommand.OTHER : new SqlCommand(Kind.PREPARE, null, null);
            }
            case "deallocate":
                return readDeallocate(words);
            case "discard": {
                boolean quoted = words.nextIsQuoted();
                String what = words.word();
                return !quoted && "all".equals(what) && words.atEnd() ? new SqlCommand(Kind.DISCARD_ALL, null, null) : SqlCommand.OTHER;
            }
            case "set":
                return readSet(words);
            case "reset": {
                boolean quoted = words.nextIsQuoted();
                String name = words.name();
                if (name == null || !words.atEnd()) {
                    return SqlCommand.OTHER;
                }
                return !quoted && name.equals("all") ? new SqlCommand(Kind.RESET_ALL, null, null) : new SqlCommand(Kind.RESET, name, null);
            }
            default:
                return SqlCommand.OTHER;
        }
    }

    /** {@code DEALLOCATE [PREPARE] name|ALL}. */
    private static SqlCommand readDeallocate(Words words) {
        boolean quoted = words.nextIsQuoted();
        String name = words.word();
        if ("prepare".equals(name) && !quoted && !words.atEnd()) {
            quoted = words.nextIsQuoted();
            name = words.word();
        }
        if (name == null || !words.atEnd()) {
            return SqlCommand.OTHER;
        }
        return !quoted && name.equals("all") ? new SqlCommand(Kind.DEALLOCATE_ALL, null, null)
                : new SqlCommand(Kind.DEALLOCATE, name, null);
    }

    /**
     * {@code SET [SESSION] name {TO|=} value}, {@code SET [SESSION] SCHEMA 'x'}, {@code SET ROLE}.
     * Transaction-scoped forms (LOCAL, TRANSACTION, CONSTRAINTS, {@code transaction_*}) end with
     * their transaction: {@link SqlCommand#OTHER}. TIME ZONE, NAMES and SESSION AUTHORIZATION change
     * reported settings, which pgmux follows from the server's ParameterStatus: {@link SqlCommand#OTHER}.
     * Anything else it cannot read (SESSION CHARACTERISTICS, XML OPTION, a value with an escape it
     * does not read) is {@link SqlCommand#UNFOLLOWED}.
     */
    private static SqlCommand readSet(Words words) {
        String name = words.name();
        if ("session".equals(name)) {
            name = words.name();
        }
        if (name == null) {
            return SqlCommand.UNFOLLOWED;
        }
        if (name.equals("schema")) {
            String value = words.settingValue(true);
            return value == null ? SqlCommand.UNFOLLOWED : new SqlCommand(Kind.SET, "search_path", value);
        }
        if (name.equals("role")) {
            return readRole(words);
        }
        switch (name) {
            case "local", "transaction", "constraints", "time", "names", "authorization":
                return SqlCommand.OTHER;
            default:
                break;
        }
        if (name.startsWith("transaction_")) {
            return SqlCommand.OTHER;
        }
        if (!words.skip("to") && !words.skip("=")) {
            return SqlCommand.UNFOLLOWED;
        }
        String value = words.settingValue(LIST_OF_NAMES.contains(name));
        if (value == null) {
            return SqlCommand.UNFOLLOWED;
        }
        return value.equalsIgnoreCase("default") ? new SqlCommand(Kind.RESET, name, null) : new SqlCommand(Kind.SET, name, value);
    }

    /**
     * {@code SET [SESSION] ROLE name|NONE}, also written {@code SET role {TO|=} 'name'}: the role is a
     * name (folded to lower case unless double-quoted) or a string; {@code none} resets it.
     */
    private static SqlCommand readRole(Words words) {
        if (!words.skip("to")) {
            words.skip("=");
        }
        if (!words.nextIsQuoted() && words.skip("default") && words.atEnd()) {
            return new SqlCommand(Kind.RESET, "role", null);
        }
        String role = words.nameOrString();
        if (role == null || !words.atEnd()) {
            return SqlCommand.OTHER;
        }
        return role.equals("none") ? new SqlCommand(Kind.RESET, "role", null) : new SqlCommand(Kind.SET, "role", role);
    }
}
