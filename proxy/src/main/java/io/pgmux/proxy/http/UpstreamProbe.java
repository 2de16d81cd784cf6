package io.pgmux.proxy.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.net.Addresses;
import io.pgmux.proxy.net.Transport;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Whether each upstream accepts a TCP connection right now, for /readyz's body: a connect with a
 * one-second timeout, closed at once. Host names are resolved on {@code resolver}, not on a loop.
 */
public final class UpstreamProbe {
    private static final int TIMEOUT_MILLIS = 1000;

    private UpstreamProbe() {
    }

    /** One line per target, in the given order: {@code upstream 10.0.0.5:5432: reachable}. */
    public static CompletableFuture<List<String>> check(Collection<HostPort> targets, Transport transport, EventLoopGroup group,
                                                 Executor resolver) {
        List<CompletableFuture<String>> lines = new ArrayList<>();
        for (HostPort target : targets) {
            lines.add(Addresses.resolve(target, resolver)
                    .thenCompose(address -> connect(address, transport, group))
                    .handle((ignored, error) -> "upstream " + target + ": "
                            + (error == null ? "reachable" : "unreachable (" + Addresses.describeFailure(error) + ")")));
        }
        return CompletableFuture.allOf(lines.toArray(CompletableFuture[]::new))
                .thenApply(ignored -> lines.stream().map(CompletableFuture::join).toList());
    }

    private static CompletableFuture<Void> connect(InetSocketAddress address, Transport transport, EventLoopGroup group) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        new Bootstrap()
                .group(group)
                .channel(transport.socketChannelClass())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, TIMEOUT_MILLIS)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(address)
                .addListener((ChannelFutureListener) future -> {
                    if (future.isSuccess()) {
                        future.channel().close();
                        done.complete(null);
                    } else {
                        done.completeExceptionally(future.cause());
                    }
                });
        return done;
    }
}
