package io.pgmux.proxy.config;

import java.time.Duration;
import java.util.Objects;

/**
 * What a client may cost before it has logged in, and the console's own room.
 *
 * @param clientLoginTimeout       YAML {@code client_login_timeout}: from connect to the end of
 *                                 authentication; a client still logging in then gets 08006 and is closed
 * @param maxPendingLogins         YAML {@code max_pending_logins}: connections that have not finished
 *                                 authentication, at once; more get 53300 at connect. They do not count
 *                                 against {@code max_client_connections}
 * @param adminReservedConnections YAML {@code admin_reserved_connections}: console sessions (admin and
 *                                 stats users) allowed beyond {@code max_client_connections}
 */
public record LoginLimits(Duration clientLoginTimeout, int maxPendingLogins, int adminReservedConnections,
                          int maxDbClientConnections, int maxUserClientConnections) {
    /** The most {@code admin_reserved_connections} accepted. */
    public static final int MAX_ADMIN_RESERVED = 1000;

    public LoginLimits {
        Objects.requireNonNull(clientLoginTimeout, "clientLoginTimeout");
        if (clientLoginTimeout.isNegative() || clientLoginTimeout.isZero()) {
            throw new IllegalArgumentException("clientLoginTimeout must be more than 0");
        }
        if (maxDbClientConnections < 0 || maxUserClientConnections < 0) {
            throw new IllegalArgumentException("maxDbClientConnections and maxUserClientConnections must not be negative");
        }
        if (maxPendingLogins < 1 || adminReservedConnections < 0 || adminReservedConnections > MAX_ADMIN_RESERVED) {
            throw new IllegalArgumentException("maxPendingLogins must be >= 1; adminReservedConnections 0.."
                    + MAX_ADMIN_RESERVED);
        }
    }

    /** Without {@code max_db_client_connections} and {@code max_user_client_connections} (0 = no limit). */
    public LoginLimits(Duration clientLoginTimeout, int maxPendingLogins, int adminReservedConnections) {
        this(clientLoginTimeout, maxPendingLogins, adminReservedConnections, 0, 0);
    }

    /** The defaults {@link ConfigKeys} declares. */
    public static LoginLimits defaults() {
        return PgmuxConfig.defaults().loginLimits();
    }
}
