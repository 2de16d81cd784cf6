package io.pgmux.proxy.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;

/**
 * What was written to a channel and not sent yet (SHOW SOCKETS' {@code send_avail}; SUSPEND waits
 * for none). Netty keeps the count in a volatile field, so any thread may read it.
 */
public final class UnsentBytes {
    private UnsentBytes() {
    }

    public static long of(Channel channel) {
        ChannelOutboundBuffer buffer = channel == null ? null : channel.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }
}
