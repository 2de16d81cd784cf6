package io.pgmux.proxy.config;

/**
 * Values given on the command line that win over the config file; null (or false) = keep the file's.
 * See {@link PgmuxConfig#withOverrides(CliOverrides)} for what each one changes.
 */
public record CliOverrides(HostPort listen, HostPort upstream, Integer poolSize, PoolMode poolMode, HostPort http,
                           boolean httpOff) {

    public CliOverrides {
        if (upstream != null && upstream.port() == 0) {
            throw new IllegalArgumentException("upstream port must be 1..65535");
        }
        if (poolSize != null && poolSize < 1) {
            throw new IllegalArgumentException("pool size must be at least 1 (got " + poolSize + ")");
        }
        if (httpOff && http != null) {
            throw new IllegalArgumentException("http cannot be both an address and off");
        }
    }

    public CliOverrides(HostPort listen, HostPort upstream, Integer poolSize, PoolMode poolMode, HostPort http) {
        this(listen, upstream, poolSize, poolMode, http, false);
    }

    public CliOverrides(HostPort listen, HostPort upstream, Integer poolSize, PoolMode poolMode) {
        this(listen, upstream, poolSize, poolMode, null, false);
    }

    public static CliOverrides none() {
        return new CliOverrides(null, null, null, null, null, false);
    }
}
