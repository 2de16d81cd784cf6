package io.pgmux.proxy.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.uring.IoUringDomainSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;

/**
 * On an io_uring connection, drops every read asked for once the connection is closing, so that its
 * socket really closes.
 *
 * <p>Netty 4.2.18's io_uring channel defers a close while a write of its is in flight (the close
 * cancels the reads and polls it has submitted, and completes once the write has). A read asked for
 * in between (the pipeline asks for one after every read when auto-read is on; SslHandler asks for
 * one itself) arms a fresh one-shot POLLIN after that cancel. Nothing cancels that poll, and an
 * io_uring request holds its own reference to the socket: the descriptor is closed, the channel
 * reports closed, and the peer never sees the connection end. Seen with a failed TLS handshake
 * (SslHandler writes its alert and closes, from inside the handling of a read; ClientTlsIT), and
 * possible wherever pgmux closes a connection with a write in flight; only with the one-shot polls
 * pgmux runs io_uring with ({@link Transport}). No read is wanted from a connection being closed, so
 * dropping them loses nothing.
 *
 * <p>First in the pipeline (nearest the socket), so that every read request, whoever asks, passes
 * here after any close did.
 */
public final class NoReadWhileClosing extends ChannelOutboundHandlerAdapter {
    private boolean closing;

    private NoReadWhileClosing() {
    }

    /** Puts the guard first in {@code channel}'s pipeline if the channel is an io_uring one. */
    public static void apply(Channel channel) {
        if (channel instanceof IoUringSocketChannel || channel instanceof IoUringDomainSocketChannel) {
            channel.pipeline().addFirst(new NoReadWhileClosing());
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
        closing = true;
        ctx.close(promise);
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (!closing) {
            ctx.read();
        }
    }
}
