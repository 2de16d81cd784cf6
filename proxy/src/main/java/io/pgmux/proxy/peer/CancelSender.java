package io.pgmux.proxy.peer;

import io.netty.channel.EventLoop;

import java.net.InetSocketAddress;

/** Sends one CancelRequest on a new connection from {@code loop}; {@code done} runs when it is sent or failed. */
@FunctionalInterface
public interface CancelSender {
    void send(EventLoop loop, InetSocketAddress address, int processId, int secretKey, Runnable done);
}
