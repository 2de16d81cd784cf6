package io.pgmux.proxy.net;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerDomainSocketChannel;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.pgmux.proxy.config.TransportChoice;

/**
 * The Netty transport: its loops' I/O handler and its channel classes. {@code fallback} says why
 * the one asked for was not taken (null when it was), for the log.
 */
public record Transport(String name, IoHandlerFactory ioHandlerFactory,
        Class<? extends ServerChannel> serverChannelClass, Class<? extends SocketChannel> socketChannelClass,
        Class<? extends ServerChannel> domainSocketServerChannelClass, String fallback) {

    /** A transport without Unix domain sockets, taken as asked. */
    public Transport(String name, IoHandlerFactory ioHandlerFactory,
                     Class<? extends ServerChannel> serverChannelClass, Class<? extends SocketChannel> socketChannelClass) {
        this(name, ioHandlerFactory, serverChannelClass, socketChannelClass, null, null);
    }

    /**
     * What {@code transport: auto} takes: epoll where the platform has it, else NIO. Not io_uring yet:
     * on it a peer's reset or close goes unnoticed while pgmux is not reading that socket (BadInputIT's
     * half-message client, ServerOutageIT's reset mid-result fail on it).
     */
    public static Transport best() {
        return of(TransportChoice.AUTO);
    }

    /** The transport {@code choice} names, or the next one down (io_uring, epoll, NIO) that the platform has. */
    public static Transport of(TransportChoice choice) {
        return switch (choice) {
            case IO_URING -> IoUring.isAvailable() ? ioUring() : epollOrNio().because(
                    "io_uring is not available here (" + cause(IoUring.unavailabilityCause()) + ")");
            case AUTO, EPOLL -> epollOrNio();
            case NIO -> nio();
        };
    }

    private static Transport epollOrNio() {
        return Epoll.isAvailable() ? epoll()
                : nio().because("epoll is not available here (" + cause(Epoll.unavailabilityCause()) + ")");
    }

    private static Transport ioUring() {
        return new Transport("io_uring", IoUringIoHandler.newFactory(), IoUringServerSocketChannel.class,
                IoUringSocketChannel.class, IoUringServerDomainSocketChannel.class, null);
    }

    private static Transport epoll() {
        return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class, EpollSocketChannel.class,
                EpollServerDomainSocketChannel.class, null);
    }

    private static Transport nio() {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
    }

    private Transport because(String reason) {
        String why = fallback == null ? reason : reason + "; " + fallback;
        return new Transport(name, ioHandlerFactory, serverChannelClass, socketChannelClass, domainSocketServerChannelClass, why);
    }

    private static String cause(Throwable cause) {
        return cause == null ? "no reason given" : cause.toString();
    }

    public EventLoopGroup newGroup(int threads, String threadPrefix) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(threadPrefix, true), ioHandlerFactory);
    }
}
