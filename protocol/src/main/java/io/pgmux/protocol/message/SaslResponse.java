package io.pgmux.protocol.message;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.Wire;

import java.util.Arrays;

/** A later client message of a SASL exchange: the body is all mechanism data. */
public record SaslResponse(byte[] data) implements WireMessage {

    public static SaslResponse decode(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        return new SaslResponse(Wire.readBytes(body, body.readableBytes(), "SASLResponse"));
    }

    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, Frontend.PASSWORD);
        out.writeBytes(data);
        Wire.endMessage(out, lengthIndex);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SaslResponse r && Arrays.equals(data, r.data);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "SaslResponse[" + data.length + " bytes]";
    }
}
