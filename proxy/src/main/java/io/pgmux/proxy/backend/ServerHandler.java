package io.pgmux.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.net.Addresses;
import io.pgmux.proxy.net.MessageChunk;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The I/O side of a server connection, on the server's event loop. During login it drives
 * {@link ServerLogin}; afterwards it batches frames per read and hands each batch to the current
 * holder's loop. Frames that arrive while no client holds the server (notices, a FATAL before the
 * server goes away) are handled here.
 */
final class ServerHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ServerHandler.class);

    private final ServerConnection server;
    private final ServerTarget target;
    private final ServerLifecycle lifecycle;
    private ServerLogin login;
    private ScheduledFuture<?> loginTimeout;
    private ErrorResponse loginError;
    private List<ByteBuf> batch = new ArrayList<>();
    private ServerListener batchListener;
    /** The check running while the server has no holder (see {@link ServerConnection#check}), or null. */
    private ServerCheck check;
    /** The connection failed (and is closing): later failures of the same cause are not logged again. */
    private boolean failed;

    ServerHandler(ServerConnection server, ServerTarget target, ServerLifecycle lifecycle, ServerLogin login) {
        this.server = server;
        this.target = target;
        this.lifecycle = lifecycle;
        this.login = login;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        long timeoutMillis = target.connectTimeout().toMillis();
        if (timeoutMillis > 0) {
            loginTimeout = ctx.executor().schedule(() -> failLogin(ctx, ErrorResponse.fatal(SqlState.CONNECTION_FAILURE,
                    "server login to " + target.server() + " did not finish within " + timeoutMillis + " ms")),
                    timeoutMillis, TimeUnit.MILLISECONDS);
        }
        login.useTls(ctx.pipeline().get(SslHandler.class));
        ctx.writeAndFlush(login.startupMessage(ctx.alloc()));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof MessageChunk chunk) {
            onChunk(ctx, chunk);
            return;
        }
        ByteBuf frame = (ByteBuf) msg;
        if (login != null) {
            onLoginFrame(ctx, frame);
            return;
        }
        if (check != null) {
            onCheckFrame(frame);
            return;
        }
        ServerListener listener = server.listener();
        if (listener == null) {
            onFrameWhileIdle(ctx, frame);
            return;
        }
        if (listener != batchListener) {
            dispatchBatch();
            batchListener = listener;
        }
        batch.add(frame);
    }

    /** More of a streamed message (a large row): after the frames before it, on its own to the head's listener. */
    private void onChunk(ChannelHandlerContext ctx, MessageChunk chunk) {
        ServerListener listener = batchListener;
        if (login != null || listener == null || listener != server.listener()) {
            // its head went nowhere (the server was idle or logging in): that already closes the server
            chunk.release();
            return;
        }
        dispatchBatch();
        if (listener.executor().inEventLoop()) {
            listener.onServerChunk(server, chunk);
        } else {
            // One chunk in flight per server: the holder lets reading go on once it has taken it.
            ctx.channel().config().setAutoRead(false);
            listener.executor().execute(() -> listener.onServerChunk(server, chunk));
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        dispatchBatch();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ServerListener listener = server.listener();
        if (ctx.channel().isWritable() && listener != null) {
            listener.executor().execute(() -> listener.onServerWritable(server));
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        dispatchBatch();
        if (login != null) {
            cancelLoginTimeout();
            login = null;
            lifecycle.onServerLoginFailed(server, loginError != null ? loginError : ErrorResponse.fatal(SqlState.CONNECTION_FAILURE,
                    "server " + target.server() + " closed the connection during login"));
            return;
        }
        log.info("[{}] server {} closed", lifecycle.name(), server);
        if (check != null) {
            check.fail("the connection closed");
            check = null;
        }
        ServerListener listener = server.listener();
        if (listener != null) {
            listener.executor().execute(() -> listener.onServerClosed(server));
        }
        lifecycle.onServerClosed(server);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable reason = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (login != null && reason instanceof LoginFailure failure) { // from ServerTlsStart: TLS did not start
            failLogin(ctx, failure.error());
            return;
        }
        if (login != null) {
            failLogin(ctx, ErrorResponse.fatal(SqlState.CONNECTION_FAILURE,
                    "server login to " + target.server() + " failed: " + Addresses.describeFailure(reason)));
            return;
        }
        if (!failed) { // each write still pending fails with the same error: one line
            failed = true;
            ServerListener listener = server.listener();
            if (reason instanceof OutOfMemoryError && listener != null) {
                // Direct memory: pgmux's own failure, which its holder must hear as such, not as the server going away.
                log.warn("[{}] out of memory for server {}'s data, closing it: {}", lifecycle.name(), server, reason.getMessage());
                dispatchBatch();
                listener.executor().execute(() -> listener.onServerOutOfMemory(server));
            } else {
                log.warn("[{}] server {} failed, closing it: {}", lifecycle.name(), server, reason.toString());
            }
        }
        ctx.close();
    }

    /** Starts a check (on this loop); {@code outcome} gets null if the server passed, else why not. */
    void startCheck(ChannelHandlerContext ctx, String query, Duration limit, Consumer<String> outcome) {
        if (!ctx.channel().isActive() || check != null || login != null) {
            outcome.accept(!ctx.channel().isActive() ? "the connection is closed" : "it is busy");
            return;
        }
        check = new ServerCheck(failure -> {
            check = null;
            outcome.accept(failure);
        });
        check.start(ctx, query, limit);
    }

    private void onCheckFrame(ByteBuf frame) {
        try {
            check.onFrame(frame);
        } finally {
            frame.release();
        }
    }

    private void onLoginFrame(ChannelHandlerContext ctx, ByteBuf frame) {
        try {
            ByteBuf answer = login.onFrame(frame, ctx.alloc());
            if (answer != null) {
                ctx.writeAndFlush(answer);
            }
            if (login.isComplete()) {
                cancelLoginTimeout();
                login = null;
                lifecycle.onServerReady(server);
            }
        } catch (LoginFailure e) {
            failLogin(ctx, e.error());
        } catch (RuntimeException e) {
            failLogin(ctx, ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION,
                    "server login to " + target.server() + " failed: " + e.getMessage()));
        } finally {
            frame.release();
        }
    }

    private void failLogin(ChannelHandlerContext ctx, ErrorResponse error) {
        if (loginError == null) {
            loginError = error;
        }
        ctx.close();
    }

    private void cancelLoginTimeout() {
        if (loginTimeout != null) {
            loginTimeout.cancel(false);
        }
    }

    private void onFrameWhileIdle(ChannelHandlerContext ctx, ByteBuf frame) {
        try {
            byte type = Frames.type(frame);
            if (type == Backend.NOTICE_RESPONSE || type == Backend.NOTIFICATION_RESPONSE) {
                log.debug("[{}] server {} sent {} while idle; dropped", lifecycle.name(), server, Frames.describeType(type));
                return;
            }
            if (type == Backend.ERROR_RESPONSE) {
                log.info("[{}] server {} reports while idle: {}", lifecycle.name(), server, ErrorResponse.decode(frame));
            } else {
                log.warn("[{}] server {} sent {} while idle; closing it", lifecycle.name(), server, Frames.describeType(type));
            }
            ctx.close();
        } finally {
            ReferenceCountUtil.release(frame);
        }
    }

    private void dispatchBatch() {
        if (batch.isEmpty()) {
            return;
        }
        List<ByteBuf> frames = batch;
        ServerListener listener = batchListener;
        if (listener.executor().inEventLoop()) {
            // The listener takes the frames, not the list: it can serve the next batch.
            listener.onServerFrames(server, frames);
            frames.clear();
        } else {
            batch = new ArrayList<>();
            listener.executor().execute(() -> listener.onServerFrames(server, frames));
        }
    }
}
