package io.pgmux.protocol.message;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Wire;

/** A run-time parameter's current value, reported by the server at startup and when it changes. */
public record ParameterStatus(String name, String value) implements WireMessage {

    public static ParameterStatus decode(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        String name = Wire.readCString(body);
        String value = Wire.readCString(body);
        Wire.expectEnd(body, "ParameterStatus");
        return new ParameterStatus(name, value);
    }

    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, Backend.PARAMETER_STATUS);
        Wire.writeCString(out, name);
        Wire.writeCString(out, value);
        Wire.endMessage(out, lengthIndex);
    }
}
