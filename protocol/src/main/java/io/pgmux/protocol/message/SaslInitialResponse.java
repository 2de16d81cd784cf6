package io.pgmux.protocol.message;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.protocol.Wire;

import java.util.Arrays;

/**
 * The client's choice of SASL mechanism and its "Initial Client Response". {@code data} is
 * {@code null} when the client sent none (length -1 on the wire), which is not the same as an
 * empty response (length 0): check {@link #hasInitialResponse()} before reading it.
 */
public record SaslInitialResponse(String mechanism, byte[] data) implements WireMessage {

    public static SaslInitialResponse withoutInitialResponse(String mechanism) {
        return new SaslInitialResponse(mechanism, null);
    }

    public boolean hasInitialResponse() {
        return data != null;
    }

    public static SaslInitialResponse decode(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        String mechanism = Wire.readCString(body);
        if (body.readableBytes() < 4) {
            throw new ProtocolException("SASLInitialResponse is truncated");
        }
        int length = body.readInt();
        byte[] data = length == -1 ? null : Wire.readBytes(body, length, "SASLInitialResponse data");
        Wire.expectEnd(body, "SASLInitialResponse");
        return new SaslInitialResponse(mechanism, data);
    }

    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, Frontend.PASSWORD);
        Wire.writeCString(out, mechanism);
        if (data == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(data.length);
            out.writeBytes(data);
        }
        Wire.endMessage(out, lengthIndex);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SaslInitialResponse r && mechanism.equals(r.mechanism) && Arrays.equals(data, r.data);
    }

    @Override
    public int hashCode() {
        return mechanism.hashCode() * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "SaslInitialResponse[mechanism=" + mechanism + ", "
                + (data == null ? "no initial response" : data.length + " bytes") + "]";
    }
}
