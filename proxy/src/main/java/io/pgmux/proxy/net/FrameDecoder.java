package io.pgmux.proxy.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.ProtocolException;

import java.util.List;
import java.util.function.IntPredicate;

/**
 * Cuts the byte stream into frames: retained slices of the read buffer, one whole message each,
 * never copied. A client connection starts in the startup phase (packets without a type byte) and
 * leaves it after its StartupMessage; SSLRequest and GSSENCRequest keep it there, since the next
 * packet is another startup packet. A server connection is typed from the first byte.
 *
 * <p>Until the session calls {@link #loggedIn()}, a client's messages (passwords, SASL) may be at
 * most {@link #LOGIN_MESSAGE_LIMIT} bytes, and the decoder hands out one frame at a time, so that
 * the session can raise the limit before the next frame is measured. After the first framing
 * error, and after a CancelRequest or a peer's view request (all such a connection says), the
 * decoder drops everything that arrives: the error is reported once, and nothing is buffered for a
 * connection that is being closed.
 *
 * <p><b>Streamed messages.</b> A message the proxy forwards without holding its body (from a server
 * a DataRow or CopyData, from a client CopyData or a Query, whose text the session reads as it
 * passes) that is over {@link #STREAMING_THRESHOLD} and not
 * complete yet is not held whole: the decoder hands out its <em>head</em>, a frame with the header
 * and the body bytes read so far ({@link Frames#isPartial} says so), then the rest as
 * {@link MessageChunk}s as it arrives, so that memory per connection is bounded by a read, not by
 * the largest row. Such messages may be up to {@link #MAX_STREAMED_MESSAGE_SIZE} (what Postgres
 * accepts) whatever the limit on whole messages. A client's CopyData or Query streams only while its session
 * says it can pass the chunks straight on ({@link #streamWhen}); otherwise it is held whole, within
 * {@code max_message_size}. The messages before a streamed one are handed out first, so that the
 * session has acted on them (a Query that starts a COPY) when it is asked.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    /**
     * The largest message length (as the header counts it) before authentication. SCRAM messages are under 1 kB and
     * pgmux checks passwords against its own {@code users}, so 8 kB leaves room for long passwords
     * (tokens) while a connection that has not logged in holds at most this much (Postgres allows
     * 64 kB for an authentication message).
     */
    public static final int LOGIN_MESSAGE_LIMIT = 8 * 1024;
    /**
     * A streamable message longer than this is passed on in chunks unless it is complete already:
     * the size of a socket read (Netty's largest receive buffer), and the write buffer's low water
     * mark, so one chunk is about what a channel holds before it pushes back.
     */
    public static final int STREAMING_THRESHOLD = 64 * 1024;
    /** Postgres reads and sends no message over 1 GB (MaxAllocSize); a streamed message may be that long. */
    public static final int MAX_STREAMED_MESSAGE_SIZE = 1 << 30;

    /** The types of message that may stream, one array for all clients and one for all servers (never written). */
    private static final byte[] CLIENT_STREAMED = {Frontend.COPY_DATA, Frontend.QUERY};
    private static final byte[] SERVER_STREAMED = {Backend.DATA_ROW, Backend.COPY_DATA};

    private final int maxMessageSize;
    /** The types of message that may stream: {@link #CLIENT_STREAMED} or {@link #SERVER_STREAMED}. */
    private final byte[] streamedTypes;
    private IntPredicate streamingAllowed;
    /** Body bytes of the streamed message that are still to come, in chunks; 0 between messages. */
    private int streamRemaining;
    private int limit;
    private boolean startupPhase;
    private boolean loggingIn;
    /** After a framing error or a CancelRequest: whatever else arrives is dropped unread. */
    private boolean discarding;

    private FrameDecoder(int maxMessageSize, boolean startupPhase, byte[] streamedTypes, IntPredicate streamingAllowed) {
        this.maxMessageSize = maxMessageSize;
        this.streamedTypes = streamedTypes;
        this.streamingAllowed = streamingAllowed;
        this.startupPhase = startupPhase;
        this.loggingIn = startupPhase;
        this.limit = startupPhase ? Math.min(LOGIN_MESSAGE_LIMIT, maxMessageSize) : maxMessageSize;
    }

    /** A client's decoder: its CopyData and Query stream once {@link #streamWhen} says so. */
    public static FrameDecoder forClient(int maxMessageSize) {
        return new FrameDecoder(maxMessageSize, true, CLIENT_STREAMED, type -> false);
    }

    /** A server's decoder: its DataRows and CopyData always stream (the session drops what it does not forward). */
    public static FrameDecoder forServer(int maxMessageSize) {
        return new FrameDecoder(maxMessageSize, false, SERVER_STREAMED, type -> true);
    }

    /** Asked, with the message's type, when a streamable message arrives incomplete: whether its chunks can go on as they come. */
    public void streamWhen(IntPredicate allowed) {
        streamingAllowed = allowed;
    }

    /** The client has authenticated: from the next frame on, messages may be {@code max_message_size}. */
    public void loggedIn() {
        loggingIn = false;
        limit = maxMessageSize;
    }

    /** Bytes received and not yet handed out as frames: what a client sent after its last frame. */
    public int bufferedBytes() {
        return actualReadableBytes();
    }

    /** Whatever has come and will come is dropped unread (the connection is being closed). */
    public void discardRest() {
        discarding = true;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (discarding) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            if (streamRemaining > 0 && !passChunk(in, out)) {
                return;
            }
            do {
                ByteBuf frame = startupPhase ? Frames.readStartupPacket(in) : readFrame(in, out);
                if (frame == null) {
                    return;
                }
                if (startupPhase) {
                    int code = Frames.startupCode(frame);
                    startupPhase = code == Frontend.SSL_REQUEST_CODE || code == Frontend.GSSENC_REQUEST_CODE;
                    if (code == Frontend.CANCEL_REQUEST_CODE || code == Frontend.PEER_VIEW_REQUEST_CODE) {
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

    /** Hands out what has come of the streamed message; true once it is complete. */
    private boolean passChunk(ByteBuf in, List<Object> out) {
        int size = Math.min(streamRemaining, in.readableBytes());
        if (size > 0) {
            streamRemaining -= size;
            out.add(new MessageChunk(in.readRetainedSlice(size), streamRemaining == 0));
        }
        return streamRemaining == 0;
    }

    private ByteBuf readFrame(ByteBuf in, List<Object> out) {
        int readable = in.readableBytes();
        if (readable >= Frames.HEADER_SIZE && !loggingIn) {
            int length = in.getInt(in.readerIndex() + 1);
            if (length > STREAMING_THRESHOLD && readable <= length && isStreamed(in.getByte(in.readerIndex()))) {
                if (length > MAX_STREAMED_MESSAGE_SIZE) {
                    throw new ProtocolException("message of type " + Frames.describeType(in.getByte(in.readerIndex()))
                            + " is " + length + " bytes, over the limit of " + MAX_STREAMED_MESSAGE_SIZE);
                }
                if (!out.isEmpty()) {
                    return null; // the messages before it go first: they decide whether it may stream
                }
                if (streamingAllowed.test(in.getByte(in.readerIndex()))) {
                    streamRemaining = 1 + length - readable;
                    return in.readRetainedSlice(readable);
                }
            }
        }
        if (loggingIn && in.readableBytes() >= Frames.HEADER_SIZE) {
            int length = in.getInt(in.readerIndex() + 1);
            if (length > limit) {
                throw new ProtocolException("message of type " + Frames.describeType(in.getByte(in.readerIndex()))
                        + " is " + length + " bytes, over the limit of " + limit + " bytes before authentication");
            }
        }
        return Frames.readFrame(in, limit);
    }

    private boolean isStreamed(byte type) {
        for (byte streamed : streamedTypes) {
            if (type == streamed) {
                return true;
            }
        }
        return false;
    }
}
