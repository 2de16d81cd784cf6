package io.pgmux.protocol.message;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.protocol.Wire;

/** Extended protocol: describe a prepared statement ('S') or a portal ('P'). */
public record Describe(Target target, String name) implements WireMessage {

    public static Describe decode(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        if (!body.isReadable()) {
            throw new ProtocolException("Describe message is truncated");
        }
        Target target = Target.fromWire(body.readByte());
        String name = Wire.readCString(body);
        Wire.expectEnd(body, "Describe");
        return new Describe(target, name);
    }

    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, Frontend.DESCRIBE);
        out.writeByte(target.wireByte());
        Wire.writeCString(out, name);
        Wire.endMessage(out, lengthIndex);
    }
}
