package io.pgmux.bench.scenario;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBuf;

import java.util.SplittableRandom;

/** One client connection's source of transactions. Used on that connection's event loop only. */
public interface Transactions {

    /**
     * The round trips of the next transaction, each a buffer owned by the caller holding the
     * messages up to and including a {@code Query} or a {@code Sync}.
     */
    ByteBuf[] next(ByteBufAllocator alloc, SplittableRandom random);
}
