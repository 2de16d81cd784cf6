package io.pgmux.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.tls.HandshakeCounts;
import io.pgmux.proxy.tls.TlsSessions;

import java.util.concurrent.TimeUnit;

/**
 * Starts TLS on a new server connection, first in its pipeline, before the login: sends the
 * SSLRequest and reads the one-byte answer, or (direct negotiation) starts the handshake at once.
 * Once TLS is up, or the server said 'N' where plaintext is allowed, it leaves the pipeline and
 * passes {@code channelActive} on, which starts the login. A failure reaches the login as a
 * {@link LoginFailure}: 08001 for what TLS refused, so the pool tells queued clients at once; 08006
 * for no answer within {@code server_connect_timeout}, which may be a restart.
 *
 * <pre>
 *   ASKED --'S'--> HANDSHAKING --handshake done--> (removed; login starts over TLS)
 *   ASKED --'N'--> (removed; login starts in plaintext)   where TLS is not required
 *   direct: HANDSHAKING from the start
 *   anything else ('N' where required, 'E', bytes after 'S', a failed or late handshake) --> FAILED
 * </pre>
 */
final class ServerTlsStart extends ChannelInboundHandlerAdapter {
    private enum Step { ASKED, HANDSHAKING, FAILED }

    private final ServerConnection server;
    private final ServerTarget target;
    private final SslContext context;
    private final boolean required;
    private final boolean direct;
    private final HandshakeCounts<ServerTlsFailure> stats;
    private Step step;
    private ScheduledFuture<?> timeout;

    /**
     * @param required TLS or nothing (else 'N' means plaintext)
     * @param direct   no SSLRequest: the handshake at once
     */
    ServerTlsStart(ServerConnection server, ServerTarget target, SslContext context, boolean required, boolean direct,
                   HandshakeCounts<ServerTlsFailure> stats) {
        this.server = server;
        this.target = target;
        this.context = context;
        this.required = required;
        this.direct = direct;
        this.stats = stats;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        long millis = target.connectTimeout().toMillis();
        if (millis > 0) {
            timeout = ctx.executor().schedule(() -> fail(ctx, ServerTlsFailure.TIMEOUT,
                    "no answer within " + millis + " ms"), millis, TimeUnit.MILLISECONDS);
        }
        if (direct) {
            startHandshake(ctx);
        } else {
            step = Step.ASKED;
            ctx.writeAndFlush(ctx.alloc().buffer(8).writeInt(8).writeInt(Frontend.SSL_REQUEST_CODE));
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (step != Step.ASKED) {
            ReferenceCountUtil.release(msg); // nothing may come from the server before the login starts
            return;
        }
        ByteBuf in = (ByteBuf) msg;
        try {
            if (!in.isReadable()) {
                return;
            }
            byte answer = in.readByte();
            if (in.isReadable()) {
                // CVE-2021-23222: bytes after the answer were not sent through TLS and must not be read as if they were
                protocolViolation(ctx, "server sent " + in.readableBytes() + " more bytes after its answer to the SSLRequest");
                return;
            }
            switch (answer) {
                case 'S' -> startHandshake(ctx);
                case 'N' -> {
                    if (required) {
                        fail(ctx, ServerTlsFailure.NOT_SUPPORTED, "it answered 'N' to the SSLRequest, and sslmode "
                                + target.tls().sslmode().yamlName() + " requires TLS");
                    } else {
                        leave(ctx);
                    }
                }
                case 'E' -> protocolViolation(ctx, "server answered the SSLRequest with an error (a server older than"
                        + " Postgres 7.0 does not know SSLRequest; use sslmode disable for it)");
                default -> protocolViolation(ctx, "server answered the SSLRequest with byte " + (answer & 0xff)
                        + ", not 'S' or 'N'");
            }
        } finally {
            in.release();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof SslHandshakeCompletionEvent completion && step == Step.HANDSHAKING) {
            if (completion.isSuccess()) {
                stats.succeeded();
                server.setTls(TlsSessions.describe(ctx.pipeline().get(SslHandler.class)));
                leave(ctx);
            } else {
                handshakeFailed(ctx, completion.cause());
            }
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (step == Step.HANDSHAKING) {
            handshakeFailed(ctx, cause);
        } else if (step != Step.FAILED) {
            ctx.fireExceptionCaught(cause);
        } // else: the same failure again, as the SslHandler reports it once more
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimeout();
        if (step == Step.HANDSHAKING) {
            stats.failed(ServerTlsFailure.HANDSHAKE);
            step = Step.FAILED;
        }
        ctx.fireChannelInactive();
    }

    private void startHandshake(ChannelHandlerContext ctx) {
        step = Step.HANDSHAKING;
        String name = target.tls().verifiedName(target.server().host());
        SslHandler tls = context.newHandler(ctx.alloc(), name, target.server().port());
        tls.setHandshakeTimeoutMillis(0); // bounded by this handler's timeout, from the connect on
        ctx.pipeline().addBefore(ctx.name(), "tls", tls);
    }

    private void handshakeFailed(ChannelHandlerContext ctx, Throwable cause) {
        Throwable reason = cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() != null
                ? cause.getCause() : cause;
        fail(ctx, ServerTlsFailure.of(reason), ServerTlsFailure.detail(reason));
    }

    private void fail(ChannelHandlerContext ctx, ServerTlsFailure failure, String detail) {
        if (step == Step.FAILED) {
            return;
        }
        step = Step.FAILED;
        cancelTimeout();
        stats.failed(failure);
        String name = target.tls().verifiedName(target.server().host());
        // a server that does not answer may be restarting (08006: queued clients wait for the next attempt);
        // what TLS refused will be refused again (08001: they are told at once)
        String sqlState = failure == ServerTlsFailure.TIMEOUT ? SqlState.CONNECTION_FAILURE
                : SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION;
        ErrorResponse error = ErrorResponse.fatal(sqlState,
                "TLS to server " + target.server() + " (host name \"" + name + "\", sslmode "
                        + target.tls().sslmode().yamlName() + ") failed: " + failure.words() + ": " + detail);
        ctx.fireExceptionCaught(new LoginFailure(error));
        ctx.close();
    }

    private void protocolViolation(ChannelHandlerContext ctx, String message) {
        step = Step.FAILED;
        cancelTimeout();
        stats.failed(ServerTlsFailure.HANDSHAKE);
        ctx.fireExceptionCaught(new LoginFailure(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION,
                message + "; pgmux closed the connection to " + target.server())));
        ctx.close();
    }

    /** TLS is up (or not wanted): the login starts. */
    private void leave(ChannelHandlerContext ctx) {
        cancelTimeout();
        ctx.pipeline().remove(this);
        ctx.fireChannelActive();
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
    }
}
