package io.pgmux.proxy.net;

import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;

/**
 * A connection, client or server side, reads its socket once per turn of its event loop (at most
 * 64 kB, the largest receive buffer), as PgBouncer reads once per event: the messages of that read
 * are handled, backpressure is looked at (the session stops reading a client whose server or own
 * socket is full), what was made for the peers goes out, and the loop's other connections (the
 * server that answers this very client) have their turn before the next read.
 *
 * <p>Netty reads up to 16 times per turn by default, and the session looks at backpressure once
 * per turn: a client sending small messages without pause had up to 1 MB read and handled in one
 * turn (74,898 messages of 14 bytes, each refused through its server) before anything was sent
 * either way, and its loop did nothing else meanwhile (5-10 s in the test JVM, whose leak
 * detector records every buffer's first accesses; over 30 s on a loaded machine, which a
 * client waiting for its answers took for pgmux having stopped).
 */
public final class OneReadPerTurn {
    /** One for every connection: each channel takes its own handle from it, which keeps its sizing. */
    private static final AdaptiveRecvByteBufAllocator ALLOCATOR = new AdaptiveRecvByteBufAllocator();

    static {
        ALLOCATOR.maxMessagesPerRead(1);
    }

    private OneReadPerTurn() {
    }

    public static void apply(Channel channel) {
        channel.config().setRecvByteBufAllocator(ALLOCATOR);
    }
}
