package io.pgmux.bench.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.auth.Md5Password;
import io.pgmux.protocol.auth.ScramClient;
import io.pgmux.protocol.auth.ScramException;
import io.pgmux.protocol.message.AuthenticationRequest;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Messages;
import io.pgmux.protocol.message.PasswordMessage;
import io.pgmux.protocol.message.SaslInitialResponse;
import io.pgmux.protocol.message.SaslResponse;
import io.pgmux.protocol.message.StartupMessage;
import io.pgmux.protocol.message.WireMessage;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One client connection of the load generator: logs in (trust, cleartext, MD5 or SCRAM-SHA-256),
 * then runs round trips. A round trip is one write of messages ending in a {@code Query} or a
 * {@code Sync}, answered when the server's {@code ReadyForQuery} arrives.
 *
 * <p>Only headers are read: rows and every other message pass by untouched, except
 * {@code ErrorResponse} (decoded, to report it) and the authentication messages. All state is
 * confined to the channel's event loop; {@link #roundTrip} must be called there.
 *
 * <pre>
 *   connect ──► LOGIN ──ReadyForQuery──► READY ◄──ReadyForQuery── BUSY
 *                 │                        └──────roundTrip()───────►│
 *                 └──error/close──► CLOSED ◄───────close/error───────┘
 * </pre>
 */
public final class PgConnection extends ByteToMessageDecoder {
    /** Responses larger than this are a protocol error: the generator never asks for big results. */
    private static final int MAX_MESSAGE = 64 * 1024 * 1024;
    private static final String SCRAM_SHA_256 = "SCRAM-SHA-256";

    private enum State { LOGIN, READY, BUSY, CLOSED }

    private final ConnectSettings settings;
    private final Promise<PgConnection> login;
    private Channel channel;
    private State state = State.LOGIN;
    private ScramClient scram;
    private RoundTripListener listener;
    private String firstError;
    private String closeReason;

    private PgConnection(ConnectSettings settings, Promise<PgConnection> login) {
        this.settings = settings;
        this.login = login;
    }

    /** A bootstrap for load clients on {@code group}: no Nagle, the given connect timeout. */
    public static Bootstrap bootstrap(EventLoopGroup group, Transport transport, ConnectSettings settings) {
        return new Bootstrap()
                .group(group)
                .channel(transport.channelClass())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, settings.connectTimeout().toMillis()));
    }

    /**
     * Connects and logs in; the future completes on the connection's event loop once the server's
     * first {@code ReadyForQuery} arrives, or fails with a {@link PgException} saying why.
     */
    public static Future<PgConnection> connect(Bootstrap bootstrap, ConnectSettings settings) {
        EventLoop loop = bootstrap.config().group().next();
        Promise<PgConnection> login = loop.newPromise();
        PgConnection connection = new PgConnection(settings, login);
        ChannelFuture connected = bootstrap.clone(loop)
                .handler(connection)
                .connect(settings.host(), settings.port());
        connected.addListener(f -> {
            if (!f.isSuccess()) {
                login.tryFailure(new PgException("connect to " + settings.address() + ": " + describe(f.cause())));
            }
        });
        return login;
    }

    public Channel channel() {
        return channel;
    }

    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    /** On the event loop: whether round trips can still be run. Elsewhere: use {@code channel().isActive()}. */
    public boolean isOpen() {
        return state != State.CLOSED;
    }

    /** Why the connection closed, once it has. */
    public String closeReason() {
        return closeReason;
    }

    /**
     * Sends {@code messages} (ownership passes here) and tells {@code listener} when the server is
     * ready again. On a connection that is closed or busy the buffer is released and the listener
     * told {@link RoundTripListener#onClosed} at once.
     */
    public void roundTrip(ByteBuf messages, RoundTripListener listener) {
        if (state != State.READY) {
            messages.release();
            listener.onClosed(state == State.BUSY ? "round trip started while another is outstanding"
                    : closeReason == null ? "connection is not open" : closeReason);
            return;
        }
        this.state = State.BUSY;
        this.listener = listener;
        this.firstError = null;
        channel.writeAndFlush(messages, channel.voidPromise());
    }

    /**
     * Sends {@code Terminate} and closes, on the connection's event loop (callable from any thread);
     * the returned future completes when the channel is closed.
     */
    public ChannelFuture close() {
        channel.eventLoop().execute(() -> {
            if (channel.isActive() && state != State.CLOSED) {
                if (closeReason == null) {
                    closeReason = "closed by the load generator";
                }
                channel.write(Messages.terminate(), channel.voidPromise());
            }
            channel.close();
        });
        return channel.closeFuture();
    }

    // ---- Netty ------------------------------------------------------------------------------

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        channel = ctx.channel();
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", settings.user());
        parameters.put("database", settings.database());
        parameters.put("application_name", "pgmux-bench");
        send(new StartupMessage(Frontend.PROTOCOL_3_0, parameters));
        super.channelActive(ctx);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.readableBytes() >= Frames.HEADER_SIZE && state != State.CLOSED) {
            int start = in.readerIndex();
            int length = in.getInt(start + 1);
            if (length < 4 || length > MAX_MESSAGE) {
                fail("protocol error: server message " + Frames.describeType(in.getByte(start)) + " of length " + length);
                in.skipBytes(in.readableBytes());
                return;
            }
            if (in.readableBytes() - 1 < length) {
                return;
            }
            byte type = in.getByte(start);
            in.skipBytes(1 + length);
            try {
                onMessage(type, in, start, 1 + length);
            } catch (ProtocolException | ScramException | IllegalStateException e) {
                fail("protocol error: " + e.getMessage());
                return;
            }
        }
    }

    private void onMessage(byte type, ByteBuf in, int start, int frameLength) throws ScramException {
        switch (type) {
            case Backend.READY_FOR_QUERY -> onReadyForQuery(
                    TransactionStatus.fromWire(in.getByte(start + Frames.HEADER_SIZE)));
            case Backend.ERROR_RESPONSE -> onError(ErrorResponse.decode(in.slice(start, frameLength)));
            case Backend.AUTHENTICATION -> {
                if (state != State.LOGIN) {
                    throw new ProtocolException("authentication request after login");
                }
                onAuthentication(AuthenticationRequest.decode(in.slice(start, frameLength)));
            }
            default -> {
                // rows, completions, notices, parameter status, key data: counted by nobody
            }
        }
    }

    private void onReadyForQuery(TransactionStatus status) {
        switch (state) {
            case LOGIN -> {
                state = State.READY;
                login.trySuccess(this);
            }
            case BUSY -> {
                state = State.READY;
                RoundTripListener done = listener;
                String error = firstError;
                listener = null;
                firstError = null;
                done.onReady(status, error);
            }
            default -> throw new ProtocolException("ReadyForQuery while no round trip is outstanding");
        }
    }

    private void onError(ErrorResponse error) {
        String text = error.sqlState() + " " + error.message();
        if (state == State.LOGIN) {
            fail(text);
        } else if (error.isFatal()) {
            fail(text);
        } else if (firstError == null) {
            firstError = text;
        }
    }

    private void onAuthentication(AuthenticationRequest request) throws ScramException {
        switch (request.code()) {
            case Backend.AUTH_OK -> {
                // parameters and key data follow, then ReadyForQuery
            }
            case Backend.AUTH_CLEARTEXT_PASSWORD -> send(new PasswordMessage(password()));
            case Backend.AUTH_MD5_PASSWORD -> send(new PasswordMessage(
                    Md5Password.challengeResponse(Md5Password.secret(settings.user(), password()), request.data())));
            case Backend.AUTH_SASL -> {
                if (!request.saslMechanisms().contains(SCRAM_SHA_256)) {
                    throw new IllegalStateException("server offers only " + request.saslMechanisms());
                }
                scram = new ScramClient(password());
                send(new SaslInitialResponse(SCRAM_SHA_256, scram.clientFirstMessage()));
            }
            case Backend.AUTH_SASL_CONTINUE -> send(new SaslResponse(scram.clientFinalMessage(request.data())));
            case Backend.AUTH_SASL_FINAL -> scram.verifyServerFinal(request.data());
            default -> throw new IllegalStateException("unsupported authentication request " + request.code());
        }
    }

    private String password() {
        if (settings.password() == null) {
            throw new IllegalStateException("the server asks for a password: give one with --password");
        }
        return settings.password();
    }

    private void send(WireMessage message) {
        channel.writeAndFlush(message.encode(channel.alloc()), channel.voidPromise());
    }

    private void fail(String reason) {
        if (closeReason == null) {
            closeReason = reason;
        }
        channel.close();
        onClosed();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (closeReason == null) {
            closeReason = state == State.LOGIN ? "server closed the connection during login" : "server closed the connection";
        }
        onClosed();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(describe(cause));
    }

    private void onClosed() {
        State was = state;
        state = State.CLOSED;
        if (was == State.LOGIN) {
            login.tryFailure(new PgException(closeReason));
        } else if (was == State.BUSY) {
            RoundTripListener done = listener;
            listener = null;
            done.onClosed(closeReason);
        }
    }

    private static String describe(Throwable cause) {
        String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : message;
    }
}
