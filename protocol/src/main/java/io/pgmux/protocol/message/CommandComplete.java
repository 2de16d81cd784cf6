package io.pgmux.protocol.message;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Wire;

/** A statement finished; the tag names it ({@code SELECT 1}, {@code INSERT 0 5}, {@code SET}). */
public record CommandComplete(String tag) implements WireMessage {

    public static CommandComplete decode(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        String tag = Wire.readCString(body);
        Wire.expectEnd(body, "CommandComplete");
        return new CommandComplete(tag);
    }

    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, Backend.COMMAND_COMPLETE);
        Wire.writeCString(out, tag);
        Wire.endMessage(out, lengthIndex);
    }
}
