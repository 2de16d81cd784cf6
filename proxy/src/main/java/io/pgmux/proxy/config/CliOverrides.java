package io.pgmux.proxy.config;

/**
 * Values given on the command line that win over the config file; null = keep the file's.
 * See {@link PgmuxConfig#withOverrides(CliOverrides)} for what each one changes.
 */
public record CliOverrides(HostPort listen, HostPort upstream, Integer poolSize, PoolMode poolMode, HostPort http) {

    public CliOverrides {
        if (upstream != null && upstream.port() == 0) {
            throw new IllegalArgumentException("upstream port must be 1..65535");
        }
        if (poolSize != null && poolSize < 1) {
            throw new IllegalArgumentException("pool size must be at least 1 (got " + poolSize + ")");
        }
    }

    public CliOverrides(HostPort listen, HostPort upstream, Integer poolSize, PoolMode poolMode) {
        this(listen, upstream, poolSize, poolMode, null);
    }

    public static CliOverrides none() {
        return new CliOverrides(null, null, null, null, null);
    }
}
