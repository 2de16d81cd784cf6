package io.pgmux.proxy.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import io.pgmux.proxy.net.Transport;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay on loopback that a test puts between pgmux and Postgres (or anything else) to stage
 * what networks and restarting servers do: point pgmux's upstream at {@link #address()}, then
 * switch faults on and off while a load runs.
 *
 * <pre>
 * try (FaultRelay relay = FaultRelay.toPostgres()) {
 *     Pgmux pgmux = Pgmux.start("upstream: \"" + relay.address() + "\"\n");
 *     ...
 *     relay.resetAll();      // every open connection gets an RST, both sides
 *     relay.refuseNew();     // new ones too, at once (but they are counted)
 *     ...
 *     relay.pass();          // all faults off
 * }
 * </pre>
 *
 * <p>Faults, all undone by {@link #pass()}: {@link #pause()} (stop forwarding, keep the sockets:
 * what is sent waits in the kernel's buffers), {@link #blackhole} (drop a direction's bytes
 * silently), {@link #delay} (forward each chunk late), {@link #refuseNew()} (accept each new
 * connection and reset it at once, as a server that is down answers: an attempt the relay counts,
 * unlike a closed port's refusal), {@link #holdCloses()} (a side's close or reset is not passed on). {@link #resetAll()} is an event, not a state: it resets the
 * connections open now ({@code SO_LINGER 0}, so the peers see "connection reset", as after a
 * crash). {@link #accepted()} counts the connections made to the relay since it started.
 *
 * <p>One event-loop thread carries every connection; a side that cannot take more stops the other
 * from being read (the relay holds no more than a socket buffer's worth per direction).
 */
public final class FaultRelay implements AutoCloseable {
    /** Which way bytes go: from the side that connected to the relay to the target, or back. */
    public enum Direction { TO_TARGET, TO_CLIENT }

    private final EventLoopGroup group;
    private final Transport transport = Transport.best();
    private final InetSocketAddress target;
    private final Channel listener;
    private final Set<Channel> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile boolean paused;
    private volatile boolean refusing;
    private volatile long delayNanos;
    private volatile boolean blackholeToTarget;
    private volatile boolean blackholeToClient;
    private volatile boolean closesHeld;
    /** Sockets whose peer closed or was reset while closes were held: closed at {@link #pass()} (relay loop only). */
    private final List<Channel> heldCloses = new ArrayList<>();

    private FaultRelay(InetSocketAddress target) {
        this(target, new InetSocketAddress("127.0.0.1", 0));
    }

    private FaultRelay(InetSocketAddress target, InetSocketAddress listen) {
        this.target = target;
        this.group = transport.newGroup(1, "fault-relay");
        try {
            this.listener = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannelClass())
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel client) {
                            onAccepted(client);
                        }
                    })
                    .bind(listen).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** A relay to {@code host:port}, listening on a free loopback port. */
    public static FaultRelay to(String host, int port) {
        return new FaultRelay(new InetSocketAddress(host, port));
    }

    /**
     * A relay to the test Postgres listening on {@code loopbackAddress} (127.0.0.2, say) and
     * Postgres's own port: a second address of the same server, for a host name that moves.
     */
    public static FaultRelay toPostgresOn(String loopbackAddress) {
        TestPostgres pg = TestPostgres.get();
        return new FaultRelay(new InetSocketAddress(pg.host(), pg.port()), new InetSocketAddress(loopbackAddress, pg.port()));
    }

    /** A relay to the test Postgres. */
    public static FaultRelay toPostgres() {
        TestPostgres pg = TestPostgres.get();
        return to(pg.host(), pg.port());
    }

    /** Where to connect to reach the target through the relay, as {@code 127.0.0.1:port}. */
    public String address() {
        return "127.0.0.1:" + port();
    }

    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Connections made to the relay since it started, those it refused included. */
    public int accepted() {
        return accepted.get();
    }

    /** Sockets open now, on both sides of the relay (two per relayed connection). */
    public int openSockets() {
        return open.size();
    }

    // ---------------------------------------------------------------- faults

    /** Every fault off: new connections are relayed, bytes flow both ways at once. */
    public void pass() {
        refusing = false;
        delayNanos = 0;
        blackholeToTarget = false;
        blackholeToClient = false;
        closesHeld = false;
        setPaused(false);
        group.next().submit(() -> {
            heldCloses.forEach(Channel::close);
            heldCloses.clear();
        }).syncUninterruptibly();
    }

    /**
     * From now on a side that closes (or is reset) is not passed on: the other side's socket stays
     * open and hears nothing, as when the FIN or RST is lost on a dead path. Until {@link #pass()}.
     */
    public void holdCloses() {
        closesHeld = true;
    }

    /** Stops forwarding in both directions; the sockets stay open and what is sent waits. */
    public void pause() {
        setPaused(true);
    }

    /** Drops the bytes going {@code directions} (read and thrown away, nothing is closed). */
    public void blackhole(Direction... directions) {
        for (Direction direction : directions) {
            if (direction == Direction.TO_TARGET) {
                blackholeToTarget = true;
            } else {
                blackholeToClient = true;
            }
        }
    }

    /** Forwards both directions again (the other faults stay). */
    public void stopBlackholes() {
        blackholeToTarget = false;
        blackholeToClient = false;
    }

    /** Forwards each chunk {@code delay} after it arrived (order kept). */
    public void delay(Duration delay) {
        delayNanos = delay.toNanos();
    }

    /** From now on, a new connection is accepted, counted and reset at once. */
    public void refuseNew() {
        refusing = true;
    }

    /**
     * An outage as pgmux sees a restart: every connection reset and new ones refused for
     * {@code duration}, then everything passes again. Returns the connections tried meanwhile.
     */
    public int outage(Duration duration) throws InterruptedException {
        int acceptedBefore = accepted();
        refuseNew();
        resetAll();
        Thread.sleep(duration.toMillis());
        int attempts = accepted() - acceptedBefore;
        pass();
        return attempts;
    }

    /** Resets every connection open now, on both sides, and waits until that is done. */
    public void resetAll() {
        group.next().submit(() -> List.copyOf(open).forEach(FaultRelay::reset)).syncUninterruptibly();
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        resetAll();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    // ---------------------------------------------------------------- relaying, on the relay's loop

    private void onAccepted(Channel client) {
        accepted.incrementAndGet();
        if (refusing) {
            client.eventLoop().execute(() -> reset(client));
            return;
        }
        open.add(client);
        client.closeFuture().addListener(f -> open.remove(client));
        Forwarder toTarget = new Forwarder(Direction.TO_TARGET);
        Forwarder toClient = new Forwarder(Direction.TO_CLIENT);
        client.pipeline().addLast(toTarget);
        new Bootstrap()
                .group(client.eventLoop())
                .channel(transport.socketChannelClass())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
                .handler(toClient)
                .connect(target)
                .addListener((ChannelFutureListener) connected -> {
                    if (!connected.isSuccess()) {
                        reset(client);
                        return;
                    }
                    Channel upstream = connected.channel();
                    open.add(upstream);
                    upstream.closeFuture().addListener(f -> open.remove(upstream));
                    toTarget.peer = upstream;
                    toClient.peer = client;
                    if (!client.isActive()) {
                        upstream.close();
                        return;
                    }
                    toTarget.updateReading(client);
                    toClient.updateReading(upstream);
                });
    }

    private void setPaused(boolean pause) {
        paused = pause;
        group.next().submit(() -> {
            for (Channel channel : List.copyOf(open)) {
                Forwarder forwarder = channel.pipeline().get(Forwarder.class);
                if (forwarder != null) {
                    forwarder.updateReading(channel);
                }
            }
        }).syncUninterruptibly();
    }

    private static void reset(Channel channel) {
        if (channel.isOpen()) {
            channel.config().setOption(ChannelOption.SO_LINGER, 0);
            channel.close();
        }
    }

    /** Reads one side and writes what it reads to the other ({@link #peer}, set once both are connected). */
    private final class Forwarder extends ChannelInboundHandlerAdapter {
        private final Direction direction;
        Channel peer;

        Forwarder(Direction direction) {
            this.direction = direction;
        }

        /** Reads while not paused and the other side can take more. */
        void updateReading(Channel self) {
            boolean read = peer != null && !paused && peer.isWritable();
            self.config().setAutoRead(read);
            if (read) {
                self.read();
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            boolean dropped = direction == Direction.TO_TARGET ? blackholeToTarget : blackholeToClient;
            if (dropped || peer == null) {
                ReferenceCountUtil.release(msg);
                return;
            }
            long delay = delayNanos;
            if (delay > 0) {
                ctx.executor().schedule(() -> forward(ctx.channel(), msg), delay, TimeUnit.NANOSECONDS);
            } else {
                forward(ctx.channel(), msg);
            }
        }

        private void forward(Channel self, Object msg) {
            peer.writeAndFlush(msg);
            if (!peer.isWritable()) {
                self.config().setAutoRead(false);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            // this side drained: the other side's reader may go on
            if (peer != null) {
                Forwarder other = peer.pipeline().get(Forwarder.class);
                if (other != null) {
                    other.updateReading(peer);
                }
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (peer != null && peer.isOpen()) {
                if (closesHeld) {
                    heldCloses.add(peer);
                } else {
                    peer.close();
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // a reset from one side is passed on as a reset to the other
            if (peer != null && !closesHeld) {
                reset(peer);
            }
            ctx.close();
        }
    }

    /** Where it relays and which faults are on, for assertion messages. */
    @Override
    public String toString() {
        List<String> faults = new ArrayList<>();
        if (paused) {
            faults.add("paused");
        }
        if (refusing) {
            faults.add("refusing");
        }
        if (blackholeToTarget) {
            faults.add("blackhole to target");
        }
        if (blackholeToClient) {
            faults.add("blackhole to client");
        }
        if (closesHeld) {
            faults.add("closes held");
        }
        if (delayNanos > 0) {
            faults.add("delay " + Duration.ofNanos(delayNanos).toMillis() + " ms");
        }
        return "FaultRelay[" + address() + " -> " + target.getHostString() + ":" + target.getPort()
                + (faults.isEmpty() ? ", passing" : ", " + String.join(", ", faults)) + "]";
    }
}
