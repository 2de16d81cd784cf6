package io.pgmux.proxy.admin;

import io.pgmux.proxy.config.ObservabilityConfig;

/**
 * Whether a login is for the admin console, and with which rights: the one place that rule is
 * written. The login reads it for its limits ({@code admin_reserved_connections}, and an admin is
 * never refused by the per-name limits) and to refuse a console user in neither list; the console
 * reads it for the commands it allows.
 */
public enum ConsoleRole {
    /** Not a console login: the database is neither {@code pgbouncer} nor {@code pgmux}. */
    NONE,
    /** A console login by a user in neither {@code admin_users} nor {@code stats_users}: refused once authenticated. */
    REFUSED,
    /** Listed in {@code stats_users}: SHOW commands only. */
    STATS,
    /** Listed in {@code admin_users}, or let in as pgmux's own OS user ({@code unix_socket_admin_user}): every command. */
    ADMIN;

    /** The role of an authenticated {@code user} of {@code database}; {@code ownUserAdmin} as {@code LoginAuthentication} decided it. */
    public static ConsoleRole of(ObservabilityConfig config, String database, String user, boolean ownUserAdmin) {
        if (!AdminConsole.isConsoleDatabase(database)) {
            return NONE;
        }
        if (ownUserAdmin || config.adminUsers().contains(user)) {
            return ADMIN;
        }
        return config.statsUsers().contains(user) ? STATS : REFUSED;
    }

    /** An admin or a stats user: the console lets the login in. */
    public boolean admitted() {
        return this == ADMIN || this == STATS;
    }
}
