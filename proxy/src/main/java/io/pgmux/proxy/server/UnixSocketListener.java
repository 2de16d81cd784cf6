package io.pgmux.proxy.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.unix.DomainSocketAddress;
import io.pgmux.proxy.config.UnixSocketConfig;
import io.pgmux.proxy.net.Addresses;
import io.pgmux.proxy.net.Buffers;
import io.pgmux.proxy.net.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * The Unix domain socket {@code <unix_socket_dir>/.s.PGSQL.<port>} clients may connect to, as to
 * PgBouncer's or Postgres's. It replaces a socket file nobody answers on (a crashed process's), refuses
 * to start over one that answers, gives the file {@code unix_socket_mode} and {@code unix_socket_group},
 * and removes it when closed. Only the epoll and io_uring transports have domain sockets: elsewhere there is none.
 */
final class UnixSocketListener {
    private static final Logger log = LoggerFactory.getLogger(UnixSocketListener.class);
    private static final PosixFilePermission[] BITS = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};

    private final Channel channel;
    private final Path path;

    private UnixSocketListener(Channel channel, Path path) {
        this.channel = channel;
        this.path = path;
    }

    /**
     * Listens on the socket for {@code port}, or returns null when {@code unix_socket_dir} is empty or
     * the transport has no domain sockets (logged).
     *
     * @throws IOException when the socket cannot be made: another process answers on it, the
     *                     directory is missing or not writable, the group is unknown
     */
    static UnixSocketListener start(UnixSocketConfig config, int port, Transport transport, EventLoopGroup group,
                                    WriteBufferWaterMark waterMark, ChannelInitializer<Channel> clients) throws Exception {
        if (!config.enabled()) {
            return null;
        }
        if (transport.domainSocketServerChannelClass() == null) {
            log.warn("no Unix domain socket in {}: the {} transport has none (it needs epoll or io_uring, on Linux); "
                    + "clients connect on TCP only", config.dir(), transport.name());
            return null;
        }
        Path path = Path.of(config.dir(), UnixSocketConfig.fileName(port));
        removeStale(path);
        ChannelFuture bound = new ServerBootstrap()
                .group(group)
                .channel(transport.domainSocketServerChannelClass())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
                .childOption(ChannelOption.ALLOCATOR, Buffers.ALLOCATOR)
                .childHandler(clients)
                .bind(new DomainSocketAddress(path.toFile()))
                .await();
        if (!bound.isSuccess()) {
            throw new IOException("cannot listen on the Unix domain socket " + path + " (unix_socket_dir): "
                    + Addresses.describeFailure(bound.cause()), bound.cause());
        }
        UnixSocketListener listener = new UnixSocketListener(bound.channel(), path);
        try {
            listener.setPermissions(config);
        } catch (IOException | RuntimeException e) {
            listener.close();
            throw e;
        }
        log.info("listening on the Unix domain socket {}", path);
        return listener;
    }

    /** A socket file that nobody answers on is left from a process that is gone; one that answers is another pgmux's. */
    private static void removeStale(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (answers(path)) {
            throw new IOException("cannot listen on the Unix domain socket " + path + " (unix_socket_dir): "
                    + "another process is listening on it");
        }
        log.info("removing the stale Unix domain socket {}: nothing answers on it", path);
        Files.deleteIfExists(path);
    }

    /** A local connect: answered at once, or refused at once (a file that is no socket refuses too). */
    private static boolean answers(Path path) {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    private void setPermissions(UnixSocketConfig config) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        if (!config.group().isEmpty()) {
            GroupPrincipal group;
            try {
                group = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(config.group());
            } catch (IOException e) {
                throw new IOException("unix_socket_group: no group \"" + config.group() + "\" on this machine", e);
            }
            view.setGroup(group);
        }
        view.setPermissions(permissions(config.mode()));
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        for (int bit = 0; bit < BITS.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                set.add(BITS[bit]);
            }
        }
        return set;
    }

    Path path() {
        return path;
    }

    /** Stops accepting and removes the socket file. */
    void close() {
        channel.close().syncUninterruptibly();
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.warn("could not remove the Unix domain socket {}: {}", path, e.toString());
        }
    }
}
