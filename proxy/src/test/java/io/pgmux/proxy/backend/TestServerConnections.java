package io.pgmux.proxy.backend;

import io.netty.channel.Channel;
import io.pgmux.proxy.pool.Pool;

/** Server connections for unit tests of the pool: bound to a channel the test made, never logged in to anything. */
public final class TestServerConnections {
    private TestServerConnections() {}

    /** A server of {@code pool} on {@code channel}; the test plays its login with {@code Pool.onServerOpening/onServerReady}. */
    public static ServerConnection on(Pool pool, Channel channel) {
        ServerConnection server = new ServerConnection(pool, new ServerConnector(null, null, null), null);
        server.bind(channel);
        return server;
    }
}
