package io.pgmux.proxy.server;

import io.pgmux.proxy.config.HostPort;

/** A started proxy, as the command line sees it. */
public interface RunningServer {
    /** The address actually bound (the real port when {@code listen} asked for port 0). */
    HostPort boundAddress();

    /** Blocks until the server has stopped and released its resources. */
    void awaitTermination() throws InterruptedException;

    /**
     * Stops accepting clients, lets running transactions finish for at most
     * {@code shutdown_timeout}, then closes everything. Returns without waiting; may be called more
     * than once.
     */
    void shutdownGracefully();

    /**
     * Reads the config file again and applies it without dropping connections (SIGHUP); returns at
     * once, the outcome is logged. An invalid file changes nothing.
     */
    void requestReload();
}
