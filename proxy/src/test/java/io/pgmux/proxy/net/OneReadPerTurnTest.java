package io.pgmux.proxy.net;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.pgmux.proxy.config.TransportChoice;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A connection with much to read (a client sending small messages without pause, a server
 * answering them) is read once per turn of its loop: after each read its messages are handled and
 * backpressure is looked at before the next, and the loop's other connections come in between.
 * With Netty's default (16 reads per turn) the first turn here reads about 1 MB.
 */
class OneReadPerTurnTest {
    /** Four times what one read takes at most (64 kB): already in the socket when reading starts. */
    private static final int SENT = 256 * 1024;

    @Test
    void aConnectionWithMuchToReadIsReadOncePerTurn_bestTransport() throws Exception {
        Transport best = Transport.best();
        expectOneReadPerTurn(best.newGroup(1, "one-read-test"), best.serverChannelClass());
    }

    @Test
    void aConnectionWithMuchToReadIsReadOncePerTurn_nio() throws Exception {
        Transport nio = Transport.of(TransportChoice.NIO);
        expectOneReadPerTurn(nio.newGroup(1, "one-read-test-nio"), nio.serverChannelClass());
    }

    @Test
    void aConnectionWithMuchToReadIsReadOncePerTurn_ioUring() throws Exception {
        Transport ioUring = Transport.of(TransportChoice.IO_URING);
        Assumptions.assumeTrue(ioUring.fallback() == null, "io_uring is not available here");
        expectOneReadPerTurn(ioUring.newGroup(1, "one-read-test-uring"), ioUring.serverChannelClass());
    }

    private static void expectOneReadPerTurn(EventLoopGroup group, Class<? extends io.netty.channel.ServerChannel> serverClass)
            throws Exception {
        ReadsPerTurn reads = new ReadsPerTurn();
        try {
            Channel listener = new ServerBootstrap()
                    .group(group)
                    .channel(serverClass)
                    .option(ChannelOption.SO_RCVBUF, 4 * SENT) // the whole message fits in the socket before it is read
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            OneReadPerTurn.apply(ch);
                            ch.pipeline().addLast(reads);
                        }
                    })
                    .bind("127.0.0.1", 0).sync().channel();
            try (Socket peer = new Socket()) {
                // given a peer that has sent 256 kB before its connection is read
                peer.connect((InetSocketAddress) listener.localAddress());
                Channel accepted = reads.accepted.get(10, TimeUnit.SECONDS);
                OutputStream out = peer.getOutputStream();
                out.write(new byte[SENT]);
                out.flush();

                // when the connection is read
                accepted.config().setAutoRead(true);
                List<Integer> perTurn = reads.all.get(30, TimeUnit.SECONDS);

                // then each turn of the loop read the socket once
                assertTrue(perTurn.size() >= SENT / (64 * 1024), "turns: " + perTurn);
                assertEquals(List.of(1), perTurn.stream().distinct().toList(), "reads per turn: " + perTurn);
            } finally {
                listener.close().sync();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Counts the socket reads (one ByteBuf each: nothing decodes here) between two read completions. */
    @io.netty.channel.ChannelHandler.Sharable
    private static final class ReadsPerTurn extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Channel> accepted = new CompletableFuture<>();
        final CompletableFuture<List<Integer>> all = new CompletableFuture<>();
        private final List<Integer> perTurn = new ArrayList<>();
        private int readsThisTurn;
        private long bytes;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            accepted.complete(ctx.channel());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf read = (ByteBuf) msg;
            bytes += read.readableBytes();
            readsThisTurn++;
            read.release();
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (readsThisTurn > 0) {
                perTurn.add(readsThisTurn);
                readsThisTurn = 0;
            }
            if (bytes >= SENT) {
                all.complete(List.copyOf(perTurn));
            }
        }
    }
}
