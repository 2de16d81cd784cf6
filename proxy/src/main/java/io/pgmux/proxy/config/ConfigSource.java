package io.pgmux.proxy.config;

/**
 * Where the running proxy gets its config again on RELOAD or SIGHUP: typically the file it was
 * started with, read anew, with the command-line overrides applied again.
 */
@FunctionalInterface
public interface ConfigSource {

    /**
     * Reads and validates the config; never called on an event loop (it may read a file).
     *
     * @throws ConfigException listing every problem
     */
    PgmuxConfig load() throws ConfigException;

    /** The config pgmux started with, unchanged on every reload. */
    static ConfigSource fixed(PgmuxConfig config) {
        return () -> config;
    }
}
