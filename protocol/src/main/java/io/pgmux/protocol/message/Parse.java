package io.pgmux.protocol.message;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.protocol.Wire;

import java.util.Arrays;

/** Extended protocol: prepare {@code query} as statement {@code statement} ("" = unnamed). */
public record Parse(String statement, String query, int[] parameterTypes) implements WireMessage {

    public static Parse decode(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        String statement = Wire.readCString(body);
        String query = Wire.readCString(body);
        if (body.readableBytes() < 2) {
            throw new ProtocolException("Parse message is truncated");
        }
        int count = body.readUnsignedShort();
        if (body.readableBytes() != count * 4) {
            throw new ProtocolException("Parse message declares " + count + " parameter types but carries "
                    + body.readableBytes() + " bytes for them");
        }
        int[] types = new int[count];
        for (int i = 0; i < count; i++) {
            types[i] = body.readInt();
        }
        return new Parse(statement, query, types);
    }

    public void encode(ByteBuf out) {
        if (parameterTypes.length > 0xffff) {
            throw new IllegalArgumentException("Parse carries at most 65535 parameter types, not " + parameterTypes.length);
        }
        int lengthIndex = Wire.beginMessage(out, Frontend.PARSE);
        Wire.writeCString(out, statement);
        Wire.writeCString(out, query);
        out.writeShort(parameterTypes.length);
        for (int type : parameterTypes) {
            out.writeInt(type);
        }
        Wire.endMessage(out, lengthIndex);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Parse p && statement.equals(p.statement) && query.equals(p.query)
                && Arrays.equals(parameterTypes, p.parameterTypes);
    }

    @Override
    public int hashCode() {
        return (statement.hashCode() * 31 + query.hashCode()) * 31 + Arrays.hashCode(parameterTypes);
    }

    @Override
    public String toString() {
        return "Parse[statement=" + statement + ", query=" + query + ", parameterTypes="
                + Arrays.toString(parameterTypes) + "]";
    }
}
