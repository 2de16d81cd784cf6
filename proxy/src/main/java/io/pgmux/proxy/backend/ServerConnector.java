package io.pgmux.proxy.backend;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.CancelRequest;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.config.ServerSslMode;
import io.pgmux.proxy.config.ServerTlsConfig;
import io.pgmux.proxy.config.SslNegotiation;
import io.pgmux.proxy.config.TcpKeepalive;
import io.pgmux.proxy.net.Addresses;
import io.pgmux.proxy.net.Buffers;
import io.pgmux.proxy.net.ServerAddresses;
import io.pgmux.proxy.net.FrameDecoder;
import io.pgmux.proxy.net.NoReadWhileClosing;
import io.pgmux.proxy.net.OneReadPerTurn;
import io.pgmux.proxy.net.TcpSettings;
import io.pgmux.proxy.net.Transport;
import io.pgmux.proxy.tls.HandshakeCounts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Opens connections to Postgres: pooled server connections (connect, TLS as {@code server_tls} says
 * with {@link ServerTlsStart}, then {@link ServerLogin}) and
 * the one-shot connections that carry a CancelRequest. Host names are resolved by
 * {@link ServerAddresses} (looked up again after {@code dns_max_ttl}, never on an event loop), and
 * a name's addresses are tried in turn until one accepts the connection; then, for a database with a
 * host list, the next hosts of the list.
 */
public final class ServerConnector implements ServerOpener {
    private static final Logger log = LoggerFactory.getLogger(ServerConnector.class);
    /** Postgres never sends a message over 1 GB; a larger length is corruption. */
    private static final int MAX_SERVER_MESSAGE_SIZE = (1 << 30) + 1024;
    /** How long a cancel request's connection may take to connect, and then for the other side to close it. */
    private static final int CANCEL_ANSWER_MILLIS = 5_000;
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(64 * 1024, 256 * 1024);

    private final EventLoopGroup group;
    private final Transport transport;
    private final ServerAddresses addresses;
    private final Supplier<TcpKeepalive> keepalive;
    private final ServerTlsContexts tlsContexts;
    private final HandshakeCounts<ServerTlsFailure> tlsStats;

    public ServerConnector(EventLoopGroup group, Transport transport, ServerAddresses addresses) {
        this(group, transport, addresses, () -> TcpKeepalive.OS_DEFAULTS);
    }

    /** {@code keepalive} is asked for the TCP settings of each new connection (so a reload applies to the next). */
    public ServerConnector(EventLoopGroup group, Transport transport, ServerAddresses addresses,
                           Supplier<TcpKeepalive> keepalive) {
        this(group, transport, addresses, keepalive, new ServerTlsContexts(), new HandshakeCounts<>(ServerTlsFailure.class));
    }

    /** With the TLS contexts pgmux loads at start and reload, and the counters {@code /metrics} shows. */
    public ServerConnector(EventLoopGroup group, Transport transport, ServerAddresses addresses,
                           Supplier<TcpKeepalive> keepalive, ServerTlsContexts tlsContexts, HandshakeCounts<ServerTlsFailure> tlsStats) {
        this.group = group;
        this.transport = transport;
        this.addresses = addresses;
        this.keepalive = keepalive;
        this.tlsContexts = tlsContexts;
        this.tlsStats = tlsStats;
    }

    @Override
    public void open(ServerTarget target, ServerLifecycle lifecycle, EventLoop preferredLoop) {
        EventLoop loop = preferredLoop != null ? preferredLoop : group.next();
        resolveAndConnect(target, lifecycle, loop, null);
    }

    /**
     * Resolves {@code target}'s host and connects to it; {@code opening} is the connection already
     * counted by the pool when an earlier host of the list could not be reached, else null.
     */
    private void resolveAndConnect(ServerTarget target, ServerLifecycle lifecycle, EventLoop loop, ServerConnection opening) {
        addresses.resolve(target.server()).whenComplete((resolved, error) -> {
            if (error != null || resolved.isEmpty()) {
                String message = "pgmux could not resolve server host \"" + target.server().host() + "\"";
                if (!target.alternates().isEmpty()) {
                    tryNextHost(target, lifecycle, loop, opening, message);
                    return;
                }
                ServerConnection unconnected = opening != null ? opening : new ServerConnection(this);
                // 08001 as drivers say it for a host they cannot find: a wrong name, unlike a refused connect, is no restart
                lifecycle.onServerLoginFailed(unconnected, ErrorResponse.fatal(SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION,
                        message));
                return;
            }
            ServerConnection server = opening;
            if (server == null) {
                server = new ServerConnection(this);
                server.setReplication(Replication.of(target.startup().get(Replication.PARAMETER)));
                lifecycle.onServerOpening(server);
            }
            connect(target, lifecycle, loop, server, resolved, 0, TlsStart.first(target.tls()));
        });
    }

    /** The host of a host list that {@code target} names cannot be reached: the same connection tries the next. */
    private void tryNextHost(ServerTarget target, ServerLifecycle lifecycle, EventLoop loop, ServerConnection opening,
                             String reason) {
        log.info("[{}] server host {} cannot be reached ({}); trying {}", lifecycle.name(), target.server(), reason,
                target.alternates().get(0));
        lifecycle.onHostUnreachable(target.server(), reason);
        ServerConnection server = opening;
        if (server == null) {
            server = new ServerConnection(this);
            lifecycle.onServerOpening(server);
        }
        resolveAndConnect(target.nextHost(), lifecycle, loop, server);
    }

    /** How one connection attempt starts TLS, from {@code sslmode} and {@code sslnegotiation}. */
    private enum TlsStart {
        /** No TLS (disable; allow's first attempt). */
        NONE,
        /** SSLRequest; 'N' means plaintext (prefer). */
        OFFERED,
        /** SSLRequest; 'N' fails (require and stricter; allow's second attempt). */
        REQUIRED,
        /** The handshake at once, ALPN postgresql (sslnegotiation direct). */
        DIRECT;

        static TlsStart first(ServerTlsConfig tls) {
            return switch (tls.sslmode()) {
                case DISABLE, ALLOW -> NONE;
                case PREFER -> OFFERED;
                case REQUIRE, VERIFY_CA, VERIFY_FULL -> tls.negotiation() == SslNegotiation.DIRECT ? DIRECT : REQUIRED;
            };
        }
    }

    /**
     * sslmode allow, as libpq: when Postgres refuses the plaintext login (an authorization error,
     * class 28, as pg_hba.conf's hostssl lines give), the same connection is made again with TLS.
     */
    private ServerLifecycle allowRetry(ServerTarget target, ServerLifecycle lifecycle, EventLoop loop,
                                       List<InetSocketAddress> addresses, int index) {
        return new ServerLifecycle() {
            @Override
            public String name() {
                return lifecycle.name();
            }

            @Override
            public void onServerOpening(ServerConnection server) {
                lifecycle.onServerOpening(server);
            }

            @Override
            public void onServerReady(ServerConnection server) {
                lifecycle.onServerReady(server);
            }

            @Override
            public void onServerLoginFailed(ServerConnection server, ErrorResponse error) {
                if (error.sqlState() != null && error.sqlState().startsWith("28")) {
                    log.info("[{}] server {} refused a plaintext login ({}); sslmode allow: trying again with TLS",
                            lifecycle.name(), target.server(), error.message());
                    connect(target, lifecycle, loop, server, addresses, index, TlsStart.REQUIRED);
                } else {
                    lifecycle.onServerLoginFailed(server, error);
                }
            }

            @Override
            public void onServerClosed(ServerConnection server) {
                lifecycle.onServerClosed(server);
            }

            @Override
            public void onHostUnreachable(HostPort host, String reason) {
                lifecycle.onHostUnreachable(host, reason);
            }
        };
    }

    /**
     * Connects {@code server} to {@code addresses[index]}; if that fails, to the next one (each
     * attempt on a channel of its own, within {@code server_connect_timeout}); the login starts on
     * the first that accepts. The pool hears of a failure only when every address has failed.
     */
    private void connect(ServerTarget target, ServerLifecycle lifecycle, EventLoop loop, ServerConnection server,
                         List<InetSocketAddress> addresses, int index, TlsStart tlsStart) {
        InetSocketAddress address = addresses.get(index);
        ServerLogin login = new ServerLogin(server, target);
        TcpKeepalive tcp = keepalive.get();
        SslContext tlsContext = null;
        if (tlsStart != TlsStart.NONE) {
            try {
                tlsContext = tlsContexts.contextFor(target.tls());
            } catch (ServerTlsContexts.SettingException e) {
                lifecycle.onServerLoginFailed(server, ErrorResponse.fatal(SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION,
                        "pgmux cannot use TLS to server " + target.server() + ": server_tls." + e.key + ": " + e.getMessage()));
                return;
            }
        }
        ServerLifecycle owner = target.tls().sslmode() == ServerSslMode.ALLOW && tlsStart == TlsStart.NONE
                ? allowRetry(target, lifecycle, loop, addresses, index) : lifecycle;
        SslContext context = tlsContext;
        new Bootstrap()
                .group(loop)
                .channel(transport.socketChannelClass())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, Buffers.ALLOCATOR)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis(target))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        server.bind(ch, address);
                        TcpSettings.apply(ch, tcp);
                        OneReadPerTurn.apply(ch);
                        NoReadWhileClosing.apply(ch);
                        if (context != null) {
                            ch.pipeline().addLast(new ServerTlsStart(server, target, context, tlsStart != TlsStart.OFFERED,
                                    tlsStart == TlsStart.DIRECT, tlsStats));
                        }
                        ch.pipeline().addLast(FrameDecoder.forServer(MAX_SERVER_MESSAGE_SIZE),
                                new ServerHandler(server, target, owner, login));
                    }
                })
                .connect(address)
                .addListener((ChannelFutureListener) future -> {
                    if (future.isSuccess()) {
                        return;
                    }
                    String reason = Addresses.describeFailure(future.cause());
                    if (index + 1 < addresses.size()) {
                        log.info("could not connect to {} ({} of {} addresses of {}): {}; trying the next", address.getAddress()
                                .getHostAddress(), index + 1, addresses.size(), target.server(), reason);
                        connect(target, lifecycle, loop, server, addresses, index + 1, tlsStart);
                        return;
                    }
                    if (!target.alternates().isEmpty()) {
                        tryNextHost(target, lifecycle, loop, server, reason);
                        return;
                    }
                    String tried = addresses.size() == 1 ? "" : " (tried its " + addresses.size() + " addresses)";
                    lifecycle.onServerLoginFailed(server, ErrorResponse.fatal(SqlState.CONNECTION_FAILURE,
                            "pgmux could not connect to server " + target.server() + tried + ": " + reason));
                });
    }

    /**
     * Sends a CancelRequest with this key to {@code address} (a server, or a peer replica) on a new
     * connection from {@code loop}; {@code done} runs once the connection is closed or failed. The
     * connection stays open until the other side closes it, which Postgres does once it has
     * signalled the backend (as libpq waits for), or for at most {@link #CANCEL_ANSWER_MILLIS}. A
     * {@link DomainSocketAddress} (a peer's Unix socket) is reached on the transport's domain socket
     * channel; NIO has none, and such a cancel is dropped with a warning.
     */
    public void sendCancel(EventLoop loop, SocketAddress address, int processId, int secretKey, Runnable done) {
        Class<? extends Channel> channelClass = address instanceof DomainSocketAddress
                ? transport.domainSocketChannelClass() : transport.socketChannelClass();
        if (channelClass == null) {
            log.warn("could not send cancel request to {}: the {} transport has no Unix domain sockets (it needs epoll"
                    + " or io_uring, on Linux)", address, transport.name());
            done.run();
            return;
        }
        new Bootstrap()
                .group(loop)
                .channel(channelClass)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CANCEL_ANSWER_MILLIS)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        ByteBuf packet = new CancelRequest(processId, secretKey).encode(ctx.alloc());
                        ctx.writeAndFlush(packet).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
                        ScheduledFuture<?> giveUp = ctx.executor().schedule(() -> ctx.close(), CANCEL_ANSWER_MILLIS,
                                TimeUnit.MILLISECONDS);
                        ctx.channel().closeFuture().addListener(closed -> giveUp.cancel(false));
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ReferenceCountUtil.release(msg); // Postgres answers a cancel with nothing but its close
                    }
                })
                .connect(address)
                .addListener((ChannelFutureListener) future -> {
                    if (!future.isSuccess()) {
                        log.warn("could not send cancel request to {}: {}", address, Addresses.describeFailure(future.cause()));
                        done.run();
                    } else {
                        future.channel().closeFuture().addListener(closed -> done.run());
                    }
                });
    }

    private static int connectTimeoutMillis(ServerTarget target) {
        long millis = target.connectTimeout().toMillis();
        return millis <= 0 || millis > Integer.MAX_VALUE ? 0 : (int) millis;
    }
}
