package io.pgmux.proxy.sql;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.message.Query;

import java.util.function.BiFunction;
import java.util.function.Function;

/** Query frames for the readers that look at a message's text where it starts. */
final class QueryFrames {
    private QueryFrames() {
    }

    /** What {@code read} finds in a Query frame of {@code sql}, given the frame and where the text starts. */
    static <T> T onQuery(String sql, BiFunction<ByteBuf, Integer, T> read) {
        ByteBuf frame = new Query(sql).encode(UnpooledByteBufAllocator.DEFAULT);
        try {
            return read.apply(frame, frame.readerIndex() + Frames.HEADER_SIZE);
        } finally {
            frame.release();
        }
    }

    /** What {@code read} finds in the scan of a Query frame of {@code sql}. */
    static <T> T onScan(String sql, Function<QueryScan, T> read) {
        return onQuery(sql, (frame, start) -> read.apply(QueryScan.of(frame, start)));
    }
}
