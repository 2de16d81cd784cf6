package io.pgmux.proxy.config;

import java.util.Optional;

/**
 * What pgmux does with named prepared statements. YAML key {@code prepared_statements}, where
 * {@code auto} (no value here) means REWRITE for transaction pools and PASSTHROUGH for session pools.
 */
public enum PreparedStatementMode {
    /** Per-client names mapped to shared server statements, prepared on whatever server is held. */
    REWRITE("rewrite"),
    /** A named Parse is refused with an error; unnamed statements work. */
    REJECT("reject"),
    /** Messages go through untouched: only correct when a client keeps its server (session mode). */
    PASSTHROUGH("passthrough");

    public static final String AUTO = "auto";

    private final String yamlName;

    PreparedStatementMode(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }

    /** The mode for a YAML spelling; {@code auto} is an empty mode (decided by the pool mode). */
    public static Optional<Optional<PreparedStatementMode>> fromYaml(String name) {
        if (AUTO.equals(name)) {
            return Optional.of(Optional.empty());
        }
        for (PreparedStatementMode mode : values()) {
            if (mode.yamlName.equals(name)) {
                return Optional.of(Optional.of(mode));
            }
        }
        return Optional.empty();
    }

    public static String choices() {
        return AUTO + ", " + YamlNames.join(values(), PreparedStatementMode::yamlName);
    }

    /**
     * PgBouncer's {@code max_prepared_statements = 0}, "prepared statement support off": named statements
     * go to the server untouched. That is pgmux's auto in session mode (null: passthrough); where servers
     * are shared, pgmux never lets a client's statement stay on a server others get next, so the mode is
     * {@link #REJECT}: a named statement is refused with an error that says so, rather than failing later
     * on whichever server the next Bind reaches.
     */
    public static PreparedStatementMode pgBouncerOff(PoolMode poolMode) {
        return poolMode.sharesServers() ? REJECT : null;
    }

    /** The mode a pool uses: the database's, else the global one, else what suits the pool mode. */
    public static PreparedStatementMode effective(PreparedStatementMode database, PreparedStatementMode global, PoolMode poolMode) {
        if (database != null) {
            return database;
        }
        if (global != null) {
            return global;
        }
        return poolMode == PoolMode.SESSION ? PASSTHROUGH : REWRITE;
    }
}
