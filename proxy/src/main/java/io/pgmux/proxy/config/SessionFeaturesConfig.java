package io.pgmux.proxy.config;

import java.util.Objects;

/**
 * Session features under transaction pooling (issue 12).
 *
 * @param policy           YAML {@code session_features}, the global one (a database may have its own)
 * @param maxPinnedServers YAML {@code max_pinned_servers}: servers of one pool that pinned clients
 *                         may keep at once; 0 = half of the pool's {@code pool_size}, at least 1
 */
public record SessionFeaturesConfig(SessionFeaturesPolicy policy, int maxPinnedServers) {

    public SessionFeaturesConfig {
        Objects.requireNonNull(policy, "policy");
        if (maxPinnedServers < 0) {
            throw new IllegalArgumentException("maxPinnedServers must not be negative");
        }
    }

    /** The defaults {@link ConfigKeys} declares. */
    public static SessionFeaturesConfig defaults() {
        return PgmuxConfig.defaults().sessionFeatures();
    }

    /** The bound for a pool of {@code poolSize} servers. */
    public int maxPinnedServers(int poolSize) {
        return maxPinnedServers(maxPinnedServers, poolSize);
    }

    /** {@code configured}, or for 0 half of {@code poolSize}, at least 1. */
    public static int maxPinnedServers(int configured, int poolSize) {
        return configured > 0 ? configured : Math.max(1, poolSize / 2);
    }
}
