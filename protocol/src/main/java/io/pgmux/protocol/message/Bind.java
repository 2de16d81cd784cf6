package io.pgmux.protocol.message;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.protocol.Wire;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Extended protocol: bind parameter values to a prepared statement, creating a portal. A null
 * element of {@code values} is SQL NULL. The proxy itself only ever needs the names (see
 * {@link #statementOf}); the full decode is for tests and tools.
 */
public record Bind(String portal, String statement, short[] parameterFormats, List<byte[]> values, short[] resultFormats)
        implements WireMessage {

    public Bind {
        values = Collections.unmodifiableList(new ArrayList<>(values));
    }

    /** A Bind of text-format values ({@code null} = SQL NULL) with text results. */
    public static Bind of(String portal, String statement, List<String> textValues) {
        List<byte[]> values = new ArrayList<>(textValues.size());
        for (String value : textValues) {
            values.add(value == null ? null : value.getBytes(StandardCharsets.UTF_8));
        }
        return new Bind(portal, statement, new short[0], values, new short[0]);
    }

    /** The statement name of a Bind frame, read without decoding the values. */
    public static String statementOf(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        Wire.skipCString(body);
        return Wire.readCString(body);
    }

    public static Bind decode(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        String portal = Wire.readCString(body);
        String statement = Wire.readCString(body);
        short[] formats = readShorts(body, "parameter format");
        int count = readCount(body, "parameter value");
        List<byte[]> values = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            if (body.readableBytes() < 4) {
                throw new ProtocolException("Bind message is truncated at parameter " + i);
            }
            int length = body.readInt();
            values.add(length == -1 ? null : Wire.readBytes(body, length, "Bind parameter"));
        }
        short[] resultFormats = readShorts(body, "result format");
        Wire.expectEnd(body, "Bind");
        return new Bind(portal, statement, formats, values, resultFormats);
    }

    @Override
    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, Frontend.BIND);
        Wire.writeCString(out, portal);
        Wire.writeCString(out, statement);
        writeShorts(out, parameterFormats);
        out.writeShort(values.size());
        for (byte[] value : values) {
            if (value == null) {
                out.writeInt(-1);
            } else {
                out.writeInt(value.length);
                out.writeBytes(value);
            }
        }
        writeShorts(out, resultFormats);
        Wire.endMessage(out, lengthIndex);
    }

    private static int readCount(ByteBuf body, String what) {
        if (body.readableBytes() < 2) {
            throw new ProtocolException("Bind message is truncated before its " + what + " count");
        }
        return body.readUnsignedShort();
    }

    private static short[] readShorts(ByteBuf body, String what) {
        int count = readCount(body, what);
        if (body.readableBytes() < count * 2) {
            throw new ProtocolException("Bind message is truncated in its " + what + " codes");
        }
        short[] shorts = new short[count];
        for (int i = 0; i < count; i++) {
            shorts[i] = body.readShort();
        }
        return shorts;
    }

    private static void writeShorts(ByteBuf out, short[] shorts) {
        if (shorts.length > 0xffff) {
            throw new IllegalArgumentException("too many format codes: " + shorts.length);
        }
        out.writeShort(shorts.length);
        for (short s : shorts) {
            out.writeShort(s);
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Bind b) || !portal.equals(b.portal) || !statement.equals(b.statement)
                || !Arrays.equals(parameterFormats, b.parameterFormats) || !Arrays.equals(resultFormats, b.resultFormats)
                || values.size() != b.values.size()) {
            return false;
        }
        for (int i = 0; i < values.size(); i++) {
            if (!Arrays.equals(values.get(i), b.values.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int hash = portal.hashCode() * 31 + statement.hashCode();
        for (byte[] value : values) {
            hash = hash * 31 + Arrays.hashCode(value);
        }
        return hash;
    }

    @Override
    public String toString() {
        return "Bind[portal=" + portal + ", statement=" + statement + ", " + values.size() + " values]";
    }
}
