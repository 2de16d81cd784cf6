package io.pgmux.proxy.config;

import java.util.Objects;

/**
 * A user clients may log in as. {@code password} is plaintext, an MD5 hash or a SCRAM-SHA-256
 * verifier (see {@link PasswordFormat}), with {@code ${ENV}} references already replaced; null when
 * the user has none (only possible with {@code client_auth: trust}). {@code maxUserConnections} is
 * the user's own {@code max_user_connections}, null where the global key applies; likewise
 * {@code maxUserClientConnections} for {@code max_user_client_connections}. {@code settings} are its
 * own pool sizes, pool mode and timeouts ({@link UserSettings#NONE} when it sets none).
 */
public record UserConfig(String name, String password, Integer maxUserConnections, Integer maxUserClientConnections,
                         UserSettings settings) {

    public UserConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(settings, "settings");
    }

    /** With no pool or timeout settings of its own. */
    public UserConfig(String name, String password, Integer maxUserConnections, Integer maxUserClientConnections) {
        this(name, password, maxUserConnections, maxUserClientConnections, UserSettings.NONE);
    }

    /** With the global {@code max_user_client_connections}. */
    public UserConfig(String name, String password, Integer maxUserConnections) {
        this(name, password, maxUserConnections, null);
    }

    /** With the global {@code max_user_connections} and {@code max_user_client_connections}. */
    public UserConfig(String name, String password) {
        this(name, password, null);
    }

    /** Clients logged in as this user at once: its own {@code max_user_client_connections}, else the global one; 0 = no limit. */
    public int maxUserClientConnections(LoginLimits global) {
        return maxUserClientConnections != null ? maxUserClientConnections : global.maxUserClientConnections();
    }

    /** This user's {@code max_user_connections}: its own, else the global one; 0 = no limit. */
    public int maxUserConnections(ServerLimits global) {
        return maxUserConnections != null ? maxUserConnections : global.maxUserConnections();
    }

    /** The format of {@link #password()}, or null when there is none. */
    public PasswordFormat passwordFormat() {
        return password == null ? null : PasswordFormat.of(password);
    }

    /** Never shows the password. */
    @Override
    public String toString() {
        return "UserConfig[name=" + name + ", password=" + (password == null ? "none" : "***")
                + ", maxUserConnections=" + (maxUserConnections == null ? "(global)" : maxUserConnections)
                + ", maxUserClientConnections=" + (maxUserClientConnections == null ? "(global)" : maxUserClientConnections)
                + (settings.equals(UserSettings.NONE) ? "" : ", settings=" + settings) + "]";
    }
}
