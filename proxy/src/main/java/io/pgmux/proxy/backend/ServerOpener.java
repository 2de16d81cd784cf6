package io.pgmux.proxy.backend;

import io.netty.channel.EventLoop;

/** Opens server connections; {@link ServerConnector} does it over the network, tests play it. */
@FunctionalInterface
public interface ServerOpener {

    /**
     * Opens a connection to {@code target}, on {@code preferredLoop} when it is not null. The outcome
     * reaches {@code lifecycle} (see there for the order of its calls), never the caller directly.
     */
    void open(ServerTarget target, ServerLifecycle lifecycle, EventLoop preferredLoop);
}
