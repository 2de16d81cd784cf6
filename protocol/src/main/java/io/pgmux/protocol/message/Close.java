package io.pgmux.protocol.message;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.protocol.Wire;

/** Extended protocol: close a prepared statement ('S') or a portal ('P'). */
public record Close(Target target, String name) implements WireMessage {

    public static Close decode(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        if (!body.isReadable()) {
            throw new ProtocolException("Close message is truncated");
        }
        Target target = Target.fromWire(body.readByte());
        String name = Wire.readCString(body);
        Wire.expectEnd(body, "Close");
        return new Close(target, name);
    }

    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, Frontend.CLOSE);
        out.writeByte(target.wireByte());
        Wire.writeCString(out, name);
        Wire.endMessage(out, lengthIndex);
    }
}
