package io.pgmux.proxy.backend;

import io.netty.channel.Channel;

/** Server connections for unit tests: bound to a channel the test made, never logged in to anything. */
public final class TestServerConnections {
    /** Never asked to open anything; a cancel through it would fail, and no test sends one. */
    private static final ServerConnector NO_NETWORK = new ServerConnector(null, null, null);

    private TestServerConnections() {}

    /** A server on {@code channel}; a pool test plays its login through the pool's {@link ServerLifecycle} calls. */
    public static ServerConnection on(Channel channel) {
        ServerConnection server = new ServerConnection(NO_NETWORK);
        server.bind(channel, null);
        return server;
    }
}
