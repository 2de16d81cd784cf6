package io.pgmux.bench.net;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/** Epoll when Netty's native transport loads, NIO otherwise. */
public record Transport(String name, Class<? extends SocketChannel> channelClass, boolean epoll) {

    public static Transport best() {
        return Epoll.isAvailable()
                ? new Transport("epoll", EpollSocketChannel.class, true)
                : new Transport("nio", NioSocketChannel.class, false);
    }

    public EventLoopGroup newGroup(int threads) {
        DefaultThreadFactory factory = new DefaultThreadFactory("bench-loop", true);
        return new MultiThreadIoEventLoopGroup(threads, factory,
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }
}
