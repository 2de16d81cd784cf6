package io.pgmux.proxy.peer;

import io.netty.channel.EventLoop;

import java.net.SocketAddress;

/**
 * Sends one CancelRequest on a new connection from {@code loop} to {@code address} (TCP, or a Unix
 * domain socket); {@code done} runs when it is sent or failed.
 */
@FunctionalInterface
public interface CancelSender {
    void send(EventLoop loop, SocketAddress address, int processId, int secretKey, Runnable done);
}
