package io.pgmux.proxy.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.ProtocolException;

import java.util.List;

/**
 * Cuts the byte stream into frames: retained slices of the read buffer, one whole message each,
 * never copied. A client connection starts in the startup phase (packets without a type byte) and
 * leaves it after its StartupMessage; SSLRequest and GSSENCRequest keep it there, since the next
 * packet is another startup packet. A server connection is typed from the first byte.
 *
 * <p>Until the session calls {@link #loggedIn()}, a client's messages (passwords, SASL) may be at
 * most {@link #LOGIN_MESSAGE_LIMIT} bytes, and the decoder hands out one frame at a time, so that
 * the session can raise the limit before the next frame is measured. After the first framing
 * error, and after a CancelRequest (which is all a cancel connection says), the decoder drops
 * everything that arrives: the error is reported once, and nothing is buffered for a connection that
 * is being closed.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    /**
     * The largest message length (as the header counts it) before authentication. SCRAM messages are under 1 kB and
     * pgmux checks passwords against its own {@code users}, so 8 kB leaves room for long passwords
     * (tokens) while a connection that has not logged in holds at most this much (Postgres allows
     * 64 kB for an authentication message).
     */
    public static final int LOGIN_MESSAGE_LIMIT = 8 * 1024;

    private final int maxMessageSize;
    private int limit;
    private boolean startupPhase;
    private boolean loggingIn;
    /** After a framing error or a CancelRequest: whatever else arrives is dropped unread. */
    private boolean discarding;

    private FrameDecoder(int maxMessageSize, boolean startupPhase) {
        this.maxMessageSize = maxMessageSize;
        this.startupPhase = startupPhase;
        this.loggingIn = startupPhase;
        this.limit = startupPhase ? Math.min(LOGIN_MESSAGE_LIMIT, maxMessageSize) : maxMessageSize;
    }

    public static FrameDecoder forClient(int maxMessageSize) {
        return new FrameDecoder(maxMessageSize, true);
    }

    public static FrameDecoder forServer(int maxMessageSize) {
        return new FrameDecoder(maxMessageSize, false);
    }

    /** The client has authenticated: from the next frame on, messages may be {@code max_message_size}. */
    public void loggedIn() {
        loggingIn = false;
        limit = maxMessageSize;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (discarding) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            do {
                ByteBuf frame = startupPhase ? Frames.readStartupPacket(in) : readFrame(in);
                if (frame == null) {
                    return;
                }
                if (startupPhase) {
                    int code = Frames.startupCode(frame);
                    startupPhase = code == Frontend.SSL_REQUEST_CODE || code == Frontend.GSSENC_REQUEST_CODE;
                    if (code == Frontend.CANCEL_REQUEST_CODE) {
                        // the whole conversation: the connection closes once the request is read
                        discarding = true;
                        in.skipBytes(in.readableBytes());
                        out.add(frame);
                        return;
                    }
                }
                out.add(frame);
            } while (!loggingIn);
        } catch (ProtocolException e) {
            discarding = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }

    private ByteBuf readFrame(ByteBuf in) {
        if (loggingIn && in.readableBytes() >= Frames.HEADER_SIZE) {
            int length = in.getInt(in.readerIndex() + 1);
            if (length > limit) {
                throw new ProtocolException("message of type " + Frames.describeType(in.getByte(in.readerIndex()))
                        + " is " + length + " bytes, over the limit of " + limit + " bytes before authentication");
            }
        }
        return Frames.readFrame(in, limit);
    }
}
