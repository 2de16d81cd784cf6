package io.pgmux.proxy.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringDomainSocketChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerDomainSocketChannel;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.pgmux.proxy.config.TransportChoice;

/**
 * The Netty transport: its loops' I/O handler and its channel classes. {@code fallback} says why
 * the one asked for was not taken (null when it was), for the log. The domain socket classes are
 * null where the transport has none (NIO), and so is {@code reusePort}, its listening socket's
 * SO_REUSEPORT option.
 */
public record Transport(String name, IoHandlerFactory ioHandlerFactory,
        Class<? extends ServerChannel> serverChannelClass, Class<? extends SocketChannel> socketChannelClass,
        Class<? extends ServerChannel> domainSocketServerChannelClass, Class<? extends Channel> domainSocketChannelClass,
        ChannelOption<Boolean> reusePort, String fallback) {

    /**
     * Netty's io_uring system property for multishot POLLIN. A multishot poll reports each change of
     * the socket once: when a peer's data and then its reset (or close) arrive while a receive is in
     * flight, the receive takes the data and the poll's report of the reset is consumed with it, and
     * nothing reads the socket again. A client that sent half a message and vanished then kept its
     * server for ever (BadInputIT, 1 run in 5 without this; Netty 4.2.18). A one-shot poll is armed
     * afresh after every read and sees the reset at once. Set here, before Netty's {@code IoUring}
     * class reads it, unless the operator set it on the command line; where it is on all the same,
     * pgmux takes epoll instead, with a warning.
     */
    private static final String POLL_ADD_MULTISHOT = "io.netty.iouring.pollAddMultishotEnabled";

    private static final String MULTISHOT_ON = "io_uring's multishot poll is on (" + POLL_ADD_MULTISHOT
            + "=true, or Netty's io_uring was loaded before pgmux turned it off), and with it a peer's reset that"
            + " follows its data can go unnoticed";

    /** Why {@code auto} with {@code so_reuseport} is not io_uring (see {@link #of(TransportChoice, boolean)}). */
    public static final String KILLED_REUSEPORT_LISTENER = "so_reuseport is on, and a killed io_uring process's listening"
            + " socket stays in the port's group a moment after the process, resetting the connections it is given";

    static {
        if (System.getProperty(POLL_ADD_MULTISHOT) == null) {
            System.setProperty(POLL_ADD_MULTISHOT, "false");
        }
    }

    /** Whether the kernel allows io_uring; asked here, not of Netty, so that the property above is set first. */
    public static boolean ioUringAvailable() {
        return IoUring.isAvailable();
    }

    /** A transport without Unix domain sockets, taken as asked. */
    public Transport(String name, IoHandlerFactory ioHandlerFactory,
                     Class<? extends ServerChannel> serverChannelClass, Class<? extends SocketChannel> socketChannelClass) {
        this(name, ioHandlerFactory, serverChannelClass, socketChannelClass, null, null, null, null);
    }

    /** What {@code transport: auto} takes: io_uring where the kernel allows it, else epoll, else NIO. */
    public static Transport best() {
        return of(TransportChoice.AUTO);
    }

    /**
     * As {@link #of(TransportChoice)}, for a listening socket bound with SO_REUSEPORT ({@code reusePort}):
     * then {@code auto} takes epoll over io_uring. A killed io_uring process's listening socket stays
     * in the port's group a moment after the process is gone (the kernel tears the ring down, and with
     * it the pending accept that holds the socket, after the process), and connections the kernel hands
     * it meanwhile are reset; epoll's leaves with the process. PgBouncer's test_peering showed it: the
     * first connection after two of three poolers on one port were killed was reset in 3 of 6 runs on
     * io_uring, in none of 16 on epoll. io_uring asked for by name is taken all the same.
     */
    public static Transport of(TransportChoice choice, boolean reusePort) {
        Transport chosen = of(choice);
        if (reusePort && choice == TransportChoice.AUTO && chosen.isIoUring()) {
            return epollOrNio().because(KILLED_REUSEPORT_LISTENER);
        }
        return chosen;
    }

    /** The transport {@code choice} names, or the next one down (io_uring, epoll, NIO) that the platform has. */
    public static Transport of(TransportChoice choice) {
        return switch (choice) {
            case IO_URING -> !IoUring.isAvailable() ? epollOrNio().because(
                    "io_uring is not available here (" + cause(IoUring.unavailabilityCause()) + ")")
                    : IoUring.isPollAddMultishotEnabled() ? epollOrNio().because(MULTISHOT_ON) : ioUring();
            case AUTO -> !IoUring.isAvailable() ? epollOrNio()
                    : IoUring.isPollAddMultishotEnabled() ? epollOrNio().because(MULTISHOT_ON) : ioUring();
            case EPOLL -> epollOrNio();
            case NIO -> nio();
        };
    }

    private static Transport epollOrNio() {
        return Epoll.isAvailable() ? epoll()
                : nio().because("epoll is not available here (" + cause(Epoll.unavailabilityCause()) + ")");
    }

    private static Transport ioUring() {
        return new Transport("io_uring", IoUringIoHandler.newFactory(), IoUringServerSocketChannel.class,
                IoUringSocketChannel.class, IoUringServerDomainSocketChannel.class, IoUringDomainSocketChannel.class,
                IoUringChannelOption.SO_REUSEPORT, null);
    }

    private static Transport epoll() {
        return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class, EpollSocketChannel.class,
                EpollServerDomainSocketChannel.class, EpollDomainSocketChannel.class, EpollChannelOption.SO_REUSEPORT, null);
    }

    private static Transport nio() {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
    }

    private Transport because(String reason) {
        String why = fallback == null ? reason : reason + "; " + fallback;
        return new Transport(name, ioHandlerFactory, serverChannelClass, socketChannelClass, domainSocketServerChannelClass,
                domainSocketChannelClass, reusePort, why);
    }

    /** True for Linux io_uring. */
    public boolean isIoUring() {
        return serverChannelClass == IoUringServerSocketChannel.class;
    }

    private static String cause(Throwable cause) {
        return cause == null ? "no reason given" : cause.toString();
    }

    public EventLoopGroup newGroup(int threads, String threadPrefix) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(threadPrefix, true), ioHandlerFactory);
    }
}
