package io.pgmux.protocol.message;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.Wire;

/** A simple-protocol query: one string, possibly several statements. */
public record Query(String sql) implements WireMessage {

    public static Query decode(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        String sql = Wire.readCString(body);
        Wire.expectEnd(body, "Query");
        return new Query(sql);
    }

    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, Frontend.QUERY);
        Wire.writeCString(out, sql);
        Wire.endMessage(out, lengthIndex);
    }
}
