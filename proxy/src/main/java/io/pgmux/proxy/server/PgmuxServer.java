package io.pgmux.proxy.server;

import io.pgmux.proxy.cli.RunningServer;
import io.pgmux.proxy.config.PgmuxConfig;

/** Placeholder until the server lands: the CLI's launcher is {@code PgmuxServer::start}. */
public final class PgmuxServer {
    private PgmuxServer() {
    }

    public static RunningServer start(PgmuxConfig config) throws Exception {
        throw new IllegalStateException("server not built yet");
    }
}
