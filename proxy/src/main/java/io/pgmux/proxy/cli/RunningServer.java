package io.pgmux.proxy.cli;

import io.pgmux.proxy.config.HostPort;

public interface RunningServer {
    HostPort boundAddress();

    void awaitTermination() throws InterruptedException;

    void shutdownGracefully();
}
