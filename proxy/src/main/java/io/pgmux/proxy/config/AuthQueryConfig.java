package io.pgmux.proxy.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Where pgmux looks up the secrets of users that are not listed under {@code users}: Postgres's own
 * {@code pg_authid}, through {@code query}, as {@code user} (whose password comes from
 * {@code users}), in {@code dbname}.
 *
 * @param user     YAML {@code auth_user}; null = no lookups (only {@code users} can log in)
 * @param query    YAML {@code auth_query}: takes the user name as {@code $1}, returns (name, secret)
 * @param dbname   YAML {@code auth_dbname}: the database it runs in; null = the one the client asked for
 * @param cacheTtl YAML {@code auth_cache_ttl}: how long an answer (a secret, or none) is used again
 */
public record AuthQueryConfig(String user, String query, String dbname, Duration cacheTtl) {
    /** PgBouncer's default: no secret for a role that cannot log in or whose password has expired. */
    public static final String DEFAULT_QUERY = "SELECT rolname, CASE WHEN rolvaliduntil < now() THEN NULL ELSE rolpassword END"
            + " FROM pg_authid WHERE rolname = $1 AND rolcanlogin";

    public AuthQueryConfig {
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(cacheTtl, "cacheTtl");
    }

    /** No lookups. */
    public static AuthQueryConfig off() {
        return new AuthQueryConfig(null, DEFAULT_QUERY, null, Duration.ofSeconds(30));
    }

    public boolean enabled() {
        return user != null;
    }
}
