package io.pgmux.protocol.message;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.protocol.Wire;

/** Extended protocol: run a portal, returning at most {@code maxRows} rows (0 = all). */
public record Execute(String portal, int maxRows) implements WireMessage {

    public static Execute decode(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        String portal = Wire.readCString(body);
        if (body.readableBytes() < 4) {
            throw new ProtocolException("Execute message is truncated");
        }
        int maxRows = body.readInt();
        Wire.expectEnd(body, "Execute");
        return new Execute(portal, maxRows);
    }

    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, Frontend.EXECUTE);
        Wire.writeCString(out, portal);
        out.writeInt(maxRows);
        Wire.endMessage(out, lengthIndex);
    }
}
