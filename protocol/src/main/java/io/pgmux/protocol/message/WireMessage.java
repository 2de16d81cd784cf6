package io.pgmux.protocol.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** A message that can write itself, header included. */
public interface WireMessage {

    void encode(ByteBuf out);

    /** Encodes into a new buffer owned by the caller. */
    default ByteBuf encode(ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer();
        try {
            encode(out);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }
}
