package io.pgmux.proxy.config;

import java.util.Objects;

/**
 * The Unix domain socket clients may connect to besides {@code listen}, as PgBouncer's.
 *
 * @param dir   YAML {@code unix_socket_dir}: where the socket {@code .s.PGSQL.<port>} is made; "" = no socket
 * @param mode  YAML {@code unix_socket_mode}: the socket file's permission bits (0777 by default, as PgBouncer)
 * @param group YAML {@code unix_socket_group}: the group the socket file is given; "" = the process's
 * @param auth  YAML {@code unix_socket_auth}: how socket clients log in
 * @param adminUser YAML {@code unix_socket_admin_user}: the console user a socket client running as pgmux's own
 *              OS user logs in as, an admin, without authenticating (PgBouncer's rule for {@code pgbouncer}); null = none
 */
public record UnixSocketConfig(String dir, int mode, String group, UnixSocketAuth auth, String adminUser) {
    /** The largest permission bits: rwx for owner, group and others. */
    public static final int MAX_MODE = 0777;

    public UnixSocketConfig {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(auth, "auth");
        if (mode < 0 || mode > MAX_MODE) {
            throw new IllegalArgumentException("mode must be 0..0777");
        }
    }

    /** The defaults {@link ConfigKeys} declares. */
    public static UnixSocketConfig defaults() {
        return PgmuxConfig.defaults().unixSocket();
    }

    public boolean enabled() {
        return !dir.isEmpty();
    }

    /** What a socket file's name starts with; its port follows. */
    public static final String FILE_PREFIX = ".s.PGSQL.";

    /** The socket file name for a listening port, as Postgres and PgBouncer name it. */
    public static String fileName(int port) {
        return FILE_PREFIX + port;
    }
}
