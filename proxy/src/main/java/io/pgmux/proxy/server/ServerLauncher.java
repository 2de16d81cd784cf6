package io.pgmux.proxy.server;

import io.pgmux.proxy.config.ConfigSource;
import io.pgmux.proxy.config.PgmuxConfig;

/** Starts the proxy; the command line is given one, so that it can be tested without a server. */
@FunctionalInterface
public interface ServerLauncher {
    /**
     * Binds the listening socket and starts serving; returns once clients can connect. RELOAD and
     * SIGHUP read the config again from {@code reloadSource}.
     *
     * @throws Exception if the server cannot start (address in use, ...); its message is shown to the
     *                   operator on one line
     */
    RunningServer start(PgmuxConfig config, ConfigSource reloadSource) throws Exception;
}
