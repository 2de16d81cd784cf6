package io.pgmux.proxy.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

/**
 * Writes to one channel, a batch at a time: small frames (most replies: row descriptions, short
 * rows, command tags, ReadyForQuery) are copied into one buffer, so a batch leaves as one write of
 * one buffer rather than a write per message; large frames go out as they are, not copied. Owns
 * the frames it is given. Used on the channel's event loop only.
 */
public final class WriteBatcher {
    private static final int SMALL_FRAME = 1024;
    private static final int BUFFER_SIZE = 8192;

    private final Channel channel;
    private ByteBuf small;
    private boolean needsFlush;

    public WriteBatcher(Channel channel) {
        this.channel = channel;
    }

    public void write(ByteBuf frame) {
        if (!channel.isActive()) {
            frame.release();
            return;
        }
        int size = frame.readableBytes();
        if (size <= SMALL_FRAME) {
            if (small != null && small.writableBytes() < size) {
                writeSmall();
            }
            if (small == null) {
                small = channel.alloc().ioBuffer(BUFFER_SIZE);
            }
            small.writeBytes(frame);
            frame.release();
        } else {
            writeSmall();
            channel.write(frame, channel.voidPromise());
        }
        needsFlush = true;
    }

    /** Hands everything written so far to the socket. */
    public void flush() {
        if (needsFlush) {
            needsFlush = false;
            writeSmall();
            channel.flush();
        }
    }

    /** Drops what was not flushed (the channel is closing). */
    public void discard() {
        if (small != null) {
            small.release();
            small = null;
        }
        needsFlush = false;
    }

    private void writeSmall() {
        if (small != null) {
            channel.write(small, channel.voidPromise());
            small = null;
        }
    }
}
