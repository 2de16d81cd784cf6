package io.pgmux.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

import java.nio.charset.StandardCharsets;

/**
 * Low-level reading and writing of the protocol's primitive types: null-terminated strings and
 * length-prefixed messages. Encoders write a placeholder length, the body, then patch the length.
 */
public final class Wire {
    private Wire() {}

    /** Reads a null-terminated UTF-8 string at the reader index and moves past its terminator. */
    public static String readCString(ByteBuf buf) {
        int start = buf.readerIndex();
        int end = buf.forEachByte(ByteProcessor.FIND_NUL);
        if (end < 0) {
            throw new ProtocolException("string is not null-terminated");
        }
        String s = buf.toString(start, end - start, StandardCharsets.UTF_8);
        buf.readerIndex(end + 1);
        return s;
    }

    /** Moves the reader index past a null-terminated string without decoding it. */
    public static void skipCString(ByteBuf buf) {
        int end = buf.forEachByte(ByteProcessor.FIND_NUL);
        if (end < 0) {
            throw new ProtocolException("string is not null-terminated");
        }
        buf.readerIndex(end + 1);
    }

    public static void writeCString(ByteBuf buf, String s) {
        buf.writeCharSequence(s, StandardCharsets.UTF_8);
        buf.writeByte(0);
    }

    /** Writes the type byte and a placeholder length; returns where the length goes. */
    public static int beginMessage(ByteBuf out, byte type) {
        out.writeByte(type);
        int lengthIndex = out.writerIndex();
        out.writeInt(0);
        return lengthIndex;
    }

    /** Starts a startup-phase packet (no type byte); returns where the length goes. */
    public static int beginUntypedMessage(ByteBuf out) {
        int lengthIndex = out.writerIndex();
        out.writeInt(0);
        return lengthIndex;
    }

    /** Patches the length written by {@link #beginMessage}: it counts itself and the body. */
    public static void endMessage(ByteBuf out, int lengthIndex) {
        out.setInt(lengthIndex, out.writerIndex() - lengthIndex);
    }

    /** Reads exactly {@code length} bytes, or fails with a protocol error naming {@code what}. */
    public static byte[] readBytes(ByteBuf buf, int length, String what) {
        if (length < 0 || length > buf.readableBytes()) {
            throw new ProtocolException(what + " length " + length + " does not fit in the message");
        }
        byte[] bytes = new byte[length];
        buf.readBytes(bytes);
        return bytes;
    }

    /** Fails unless the whole body was consumed: trailing bytes mean a malformed message. */
    public static void expectEnd(ByteBuf buf, String message) {
        if (buf.isReadable()) {
            throw new ProtocolException(message + " has " + buf.readableBytes() + " unexpected trailing bytes");
        }
    }
}
