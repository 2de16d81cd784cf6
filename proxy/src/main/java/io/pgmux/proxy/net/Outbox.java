package io.pgmux.proxy.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;

/**
 * Frames bound for one channel, gathered while a batch of input is processed and handed over in
 * one go. On the channel's own event loop that is a run of writes and one flush; from another loop
 * it is one task on the channel's loop instead of a task per message. Owns the frames it holds
 * until they are written (Netty then owns them) or it is cleared.
 */
public final class Outbox {
    private List<ByteBuf> frames = new ArrayList<>(8);

    public void add(ByteBuf frame) {
        frames.add(frame);
    }

    /** Whether {@code frame} is the last thing added (and not yet handed over). */
    public boolean endsWith(ByteBuf frame) {
        return !frames.isEmpty() && frames.get(frames.size() - 1) == frame;
    }

    public boolean isEmpty() {
        return frames.isEmpty();
    }

    public void flushTo(Channel channel) {
        if (frames.isEmpty()) {
            return;
        }
        if (channel.eventLoop().inEventLoop()) {
            writeAll(channel, frames);
            frames.clear();
            return;
        }
        List<ByteBuf> batch = frames;
        frames = new ArrayList<>(8);
        try {
            channel.eventLoop().execute(() -> writeAll(channel, batch));
        } catch (RejectedExecutionException e) {
            release(batch);
        }
    }

    /** Drops everything not yet handed over. */
    public void clear() {
        release(frames);
        frames = new ArrayList<>(8);
    }

    /** An index loop, not an iterator: this runs for every batch on the event loop. */
    private static void writeAll(Channel channel, List<ByteBuf> batch) {
        for (int i = 0; i < batch.size(); i++) {
            channel.write(batch.get(i), channel.voidPromise());
        }
        channel.flush();
    }

    private static void release(List<ByteBuf> batch) {
        for (ByteBuf frame : batch) {
            ReferenceCountUtil.safeRelease(frame);
        }
        batch.clear();
    }
}
