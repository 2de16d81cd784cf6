package io.pgmux.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.protocol.message.WireMessage;

import java.util.function.Function;

/**
 * The property every decoder of untrusted bytes must have: it returns, or throws
 * {@link ProtocolException}; nothing else (no IndexOutOfBoundsException, no NullPointerException),
 * within a time limit, and it leaves the frame as it found it (same reader index, same reference
 * count): the proxy forwards a frame after looking into it.
 */
public final class FuzzFrames {
    /** Far more than any decoder needs for a frame of a few hundred bytes. */
    public static final long TIME_LIMIT_MILLIS = 2_000;

    private FuzzFrames() {
    }

    /**
     * Decodes {@code bytes} placed {@code offset} bytes into a pooled buffer (so that a decoder
     * reading at absolute index 0 instead of the reader index gets it wrong): the decoded value, or
     * null when the decoder refused the input with a {@link ProtocolException}.
     */
    public static <T> T decodeOrRefuse(byte[] bytes, int offset, Function<ByteBuf, T> decoder) throws Exception {
        ByteBuf buf = ByteBufAllocator.DEFAULT.buffer(offset + bytes.length);
        try {
            buf.writeZero(offset).writeBytes(bytes).skipBytes(offset);
            int readerIndex = buf.readerIndex();
            T value;
            try {
                value = Bounded.call(TIME_LIMIT_MILLIS, () -> decoder.apply(buf));
            } catch (ProtocolException refused) {
                value = null;
            }
            if (buf.refCnt() != 1) {
                throw new AssertionError("the decoder changed the frame's reference count to " + buf.refCnt());
            }
            if (buf.readerIndex() != readerIndex) {
                throw new AssertionError("the decoder moved the frame's reader index");
            }
            return value;
        } finally {
            buf.release();
        }
    }

    /** The bytes {@code message} encodes to. */
    public static byte[] bytes(WireMessage message) {
        ByteBuf buf = Unpooled.buffer();
        message.encode(buf);
        byte[] bytes = new byte[buf.readableBytes()];
        buf.readBytes(bytes);
        return bytes;
    }

    /** A frame of {@code type} with {@code body}, its length computed. */
    public static byte[] frame(char type, byte[] body) {
        byte[] frame = new byte[5 + body.length];
        frame[0] = (byte) type;
        int length = 4 + body.length;
        frame[1] = (byte) (length >>> 24);
        frame[2] = (byte) (length >>> 16);
        frame[3] = (byte) (length >>> 8);
        frame[4] = (byte) length;
        System.arraycopy(body, 0, frame, 5, body.length);
        return frame;
    }
}
