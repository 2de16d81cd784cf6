package io.pgmux.proxy.backend;

import java.util.Locale;

/**
 * What a StartupMessage's {@code replication} parameter asks for: nothing (a normal session), a
 * physical replication connection (a boolean true: pg_basebackup, pg_receivewal, a standby) or a
 * logical one ({@code database}: pg_recvlogical, a subscription). A replication client gets a
 * server of its own; SHOW CLIENTS and SHOW SERVERS show this as PgBouncer does ({@link #shown()}).
 */
public enum Replication {
    NONE("none", "false"),
    PHYSICAL("physical", "true"),
    LOGICAL("logical", "database");

    /** The StartupMessage parameter. */
    public static final String PARAMETER = "replication";

    private final String shown;
    private final String startupValue;

    Replication(String shown, String startupValue) {
        this.shown = shown;
        this.startupValue = startupValue;
    }

    /** As PgBouncer's SHOW CLIENTS and SHOW SERVERS name it: none, physical or logical. */
    public String shown() {
        return shown;
    }

    /** The value a server's StartupMessage carries for it. */
    public String startupValue() {
        return startupValue;
    }

    /**
     * Reads the parameter as Postgres does: absent is NONE, {@code database} (exactly) is LOGICAL,
     * and any boolean Postgres accepts (true, yes, on, 1, a unique prefix of true/false/yes/no...)
     * is PHYSICAL or NONE. Anything else: IllegalArgumentException, with Postgres's message.
     */
    public static Replication parse(String value) {
        if (value == null) {
            return NONE;
        }
        if (value.equals("database")) {
            return LOGICAL;
        }
        Boolean on = parseBoolean(value);
        if (on == null) {
            throw new IllegalArgumentException("invalid value for parameter \"" + PARAMETER + "\": \"" + value + "\"");
        }
        return on ? PHYSICAL : NONE;
    }

    /** Like {@link #parse}, but a value it refuses is NONE (for what pgmux itself wrote). */
    public static Replication of(String value) {
        try {
            return parse(value);
        } catch (IllegalArgumentException e) {
            return NONE;
        }
    }

    /** Postgres's parse_bool: case-insensitive, unique prefixes allowed ("of" and "on" need two letters). */
    private static Boolean parseBoolean(String value) {
        String v = value.toLowerCase(Locale.ROOT);
        if (v.isEmpty()) {
            return null;
        }
        if ("true".startsWith(v) || "yes".startsWith(v) || v.equals("1") || (v.length() >= 2 && "on".equals(v))) {
            return true;
        }
        if ("false".startsWith(v) || "no".startsWith(v) || v.equals("0") || (v.length() >= 2 && "off".startsWith(v))) {
            return false;
        }
        return null;
    }
}
