package io.pgmux.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Framing. After startup every message is a type byte, an int32 length that counts itself and the
 * body, and the body; startup-phase packets have no type byte. A frame is a {@link ByteBuf} holding
 * one whole message, header included, so forwarding is writing the buffer as it is. Only headers are
 * read here; bodies are decoded by the message records, and only for the messages that drive a
 * decision.
 */
public final class Frames {
    private Frames() {}

    /** Type byte plus length. */
    public static final int HEADER_SIZE = 5;
    /** PostgreSQL's own limit on a startup packet. */
    public static final int MAX_STARTUP_PACKET_SIZE = 10_000;

    public static byte type(ByteBuf frame) {
        return frame.getByte(frame.readerIndex());
    }

    /**
     * Whether {@code frame} holds less than its header counts: it is the head of a message whose
     * body follows in chunks (a proxy forwards a large row or copy data as it arrives).
     */
    public static boolean isPartial(ByteBuf frame) {
        return frame.readableBytes() <= frame.getInt(frame.readerIndex() + 1);
    }

    /** A view of the body (not retained; valid while the frame is). */
    public static ByteBuf body(ByteBuf frame) {
        if (frame.readableBytes() < HEADER_SIZE) {
            throw new ProtocolException("message of " + frame.readableBytes() + " bytes is shorter than its header");
        }
        return frame.slice(frame.readerIndex() + HEADER_SIZE, frame.readableBytes() - HEADER_SIZE);
    }

    /**
     * Cuts the next typed message off {@code in} as a retained slice, or returns {@code null} when
     * the message is not complete yet. Only the header is inspected: a message longer than
     * {@code maxLength} is refused before anything is buffered for it.
     *
     * @throws ProtocolException when the length is impossible or over {@code maxLength}
     */
    public static ByteBuf readFrame(ByteBuf in, int maxLength) {
        if (in.readableBytes() < HEADER_SIZE) {
            return null;
        }
        int start = in.readerIndex();
        int length = in.getInt(start + 1);
        if (length < 4) {
            throw new ProtocolException("invalid message length " + length + " for message type "
                    + describeType(in.getByte(start)));
        }
        if (length > maxLength) {
            throw new ProtocolException("message of type " + describeType(in.getByte(start)) + " is " + length
                    + " bytes, over the limit of " + maxLength);
        }
        if (in.readableBytes() - 1 < length) { // not 1 + length: that overflows for a length near 2^31
            return null;
        }
        return in.readRetainedSlice(1 + length);
    }

    /**
     * Cuts a startup-phase packet (StartupMessage, SSLRequest, GSSENCRequest, CancelRequest) off
     * {@code in}, or returns {@code null} while it is incomplete.
     */
    public static ByteBuf readStartupPacket(ByteBuf in) {
        if (in.readableBytes() < 4) {
            return null;
        }
        int length = in.getInt(in.readerIndex());
        if (length < 8 || length > MAX_STARTUP_PACKET_SIZE) {
            throw new ProtocolException("invalid startup packet length " + length);
        }
        if (in.readableBytes() < length) {
            return null;
        }
        return in.readRetainedSlice(length);
    }

    /** The request code of a startup-phase packet: a protocol version or a special request code. */
    public static int startupCode(ByteBuf packet) {
        return packet.getInt(packet.readerIndex() + 4);
    }

    /** A type byte as a person reads it in an error message: {@code 'Q'} or {@code 0x00}. */
    public static String describeType(byte type) {
        return type >= 0x20 && type < 0x7f ? "'" + (char) type + "'" : String.format("0x%02x", type & 0xff);
    }
}
