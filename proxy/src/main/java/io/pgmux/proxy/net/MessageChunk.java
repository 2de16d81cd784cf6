package io.pgmux.proxy.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * The continuation of a streamed message: raw body bytes, to go wherever the message's head (its
 * first frame, see {@link FrameDecoder}) went. The receiver owns it: it passes {@link #content()}
 * on or releases the chunk.
 *
 * @see FrameDecoder#STREAMING_THRESHOLD
 */
public final class MessageChunk extends DefaultByteBufHolder {
    private final boolean last;

    public MessageChunk(ByteBuf bytes, boolean last) {
        super(bytes);
        this.last = last;
    }

    /** Whether this chunk ends the message: what comes next is a message of its own. */
    public boolean last() {
        return last;
    }
}
