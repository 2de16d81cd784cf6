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
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.CancelRequest;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.config.TcpKeepalive;
import io.pgmux.proxy.net.Addresses;
import io.pgmux.proxy.net.FrameDecoder;
import io.pgmux.proxy.net.TcpSettings;
import io.pgmux.proxy.net.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Opens connections to Postgres: pooled server connections (connect, then {@link ServerLogin}) and
 * the one-shot connections that carry a CancelRequest. Host names are resolved on a separate
 * executor, never on an event loop.
 */
public final class ServerConnector implements ServerOpener {
    private static final Logger log = LoggerFactory.getLogger(ServerConnector.class);
    /** Postgres never sends a message over 1 GB; a larger length is corruption. */
    private static final int MAX_SERVER_MESSAGE_SIZE = (1 << 30) + 1024;
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(64 * 1024, 256 * 1024);

    private final EventLoopGroup group;
    private final Transport transport;
    private final Executor resolver;
    private final Supplier<TcpKeepalive> keepalive;

    public ServerConnector(EventLoopGroup group, Transport transport, Executor resolver) {
        this(group, transport, resolver, () -> TcpKeepalive.OS_DEFAULTS);
    }

    /** {@code keepalive} is asked for the TCP settings of each new connection (so a reload applies to the next). */
    public ServerConnector(EventLoopGroup group, Transport transport, Executor resolver, Supplier<TcpKeepalive> keepalive) {
        this.group = group;
        this.transport = transport;
        this.resolver = resolver;
        this.keepalive = keepalive;
    }

    @Override
    public void open(ServerTarget target, ServerLifecycle lifecycle, EventLoop preferredLoop) {
        EventLoop loop = preferredLoop != null ? preferredLoop : group.next();
        Addresses.resolve(target.server(), resolver).whenComplete((address, error) -> {
            if (error != null) {
                ServerConnection unconnected = new ServerConnection(this, null);
                // 08001 as drivers say it for a host they cannot find: a wrong name, unlike a refused connect, is no restart
                lifecycle.onServerLoginFailed(unconnected, ErrorResponse.fatal(SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION,
                        "pgmux could not resolve server host \"" + target.server().host() + "\""));
                return;
            }
            connect(target, lifecycle, loop, address);
        });
    }

    private void connect(ServerTarget target, ServerLifecycle lifecycle, EventLoop loop, InetSocketAddress address) {
        ServerConnection server = new ServerConnection(this, address);
        lifecycle.onServerOpening(server);
        ServerLogin login = new ServerLogin(server, target);
        TcpKeepalive tcp = keepalive.get();
        new Bootstrap()
                .group(loop)
                .channel(transport.socketChannelClass())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis(target))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        server.bind(ch);
                        TcpSettings.apply(ch, tcp);
                        ch.pipeline().addLast(FrameDecoder.forServer(MAX_SERVER_MESSAGE_SIZE),
                                new ServerHandler(server, target, lifecycle, login));
                    }
                })
                .connect(address)
                .addListener((ChannelFutureListener) future -> {
                    if (!future.isSuccess()) {
                        lifecycle.onServerLoginFailed(server, ErrorResponse.fatal(SqlState.CONNECTION_FAILURE,
                                "pgmux could not connect to server " + target.server() + ": " + Addresses.describeFailure(future.cause())));
                    }
                });
    }

    /** Sends a CancelRequest for {@code processId} on a fresh connection to {@code address}. */
    void sendCancel(EventLoop loop, InetSocketAddress address, int processId, int secretKey) {
        new Bootstrap()
                .group(loop)
                .channel(transport.socketChannelClass())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        ByteBuf packet = new CancelRequest(processId, secretKey).encode(ctx.alloc());
                        ctx.writeAndFlush(packet).addListener(ChannelFutureListener.CLOSE);
                    }
                })
                .connect(address)
                .addListener((ChannelFutureListener) future -> {
                    if (!future.isSuccess()) {
                        log.warn("could not send cancel request to {}: {}", address, Addresses.describeFailure(future.cause()));
                    }
                });
    }

    private static int connectTimeoutMillis(ServerTarget target) {
        long millis = target.connectTimeout().toMillis();
        return millis <= 0 || millis > Integer.MAX_VALUE ? 0 : (int) millis;
    }
}
