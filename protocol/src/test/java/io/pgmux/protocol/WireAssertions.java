package io.pgmux.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.pgmux.protocol.message.WireMessage;

import java.util.HexFormat;
import java.util.function.Consumer;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Both directions of a message codec checked against spec bytes, with the buffers accounted for. */
public final class WireAssertions {
    private WireAssertions() {}

    /** {@code message.encode} writes exactly {@code expected}, no more, no less. */
    public static void assertEncodes(byte[] expected, WireMessage message) {
        assertWrites(expected, message::encode);
    }

    /** {@code writer} writes exactly {@code expected} into an empty buffer. */
    public static void assertWrites(byte[] expected, Consumer<ByteBuf> writer) {
        ByteBuf out = Unpooled.buffer();
        try {
            writer.accept(out);
            assertEquals(toHex(expected), toHex(ByteBufUtil.getBytes(out)));
        } finally {
            out.release();
        }
    }

    /**
     * Decodes {@code wire} as a frame, checking that decoding only looks: the frame keeps its
     * reader index and its reference, so the proxy can still forward it as it is.
     */
    public static <T> T decode(byte[] wire, Function<ByteBuf, T> decoder) {
        ByteBuf frame = Unpooled.wrappedBuffer(wire);
        try {
            T decoded = decoder.apply(frame);
            assertEquals(0, frame.readerIndex(), "decoding must not consume the frame");
            assertEquals(wire.length, frame.readableBytes(), "decoding must not consume the frame");
            assertEquals(1, frame.refCnt(), "decoding must neither release nor retain the frame");
            return decoded;
        } finally {
            frame.release();
        }
    }

    /** The spec bytes and the record are the same message, read both ways. */
    public static <T extends WireMessage> void assertCodec(byte[] wire, T message, Function<ByteBuf, T> decoder) {
        assertEncodes(wire, message);
        assertEquals(message, decode(wire, decoder), "decoding of " + toHex(wire));
    }

    /**
     * Decoding {@code wire} is refused as a protocol violation (SQLSTATE 08P01): a
     * {@link ProtocolException}, never an IndexOutOfBoundsException or another crash.
     */
    public static ProtocolException assertProtocolViolation(byte[] wire, Function<ByteBuf, ?> decoder) {
        ByteBuf frame = Unpooled.wrappedBuffer(wire);
        try {
            ProtocolException e = assertThrows(ProtocolException.class, () -> decoder.apply(frame));
            assertEquals(SqlState.PROTOCOL_VIOLATION, e.sqlState());
            assertEquals(1, frame.refCnt(), "a refused frame stays owned by the caller");
            return e;
        } finally {
            frame.release();
        }
    }

    public static String toHex(byte[] bytes) {
        return HexFormat.ofDelimiter(" ").formatHex(bytes);
    }
}
