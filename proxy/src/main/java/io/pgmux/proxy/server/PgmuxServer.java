package io.pgmux.proxy.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.pgmux.proxy.backend.ServerConnector;
import io.pgmux.proxy.cli.RunningServer;
import io.pgmux.proxy.client.ClientCredentials;
import io.pgmux.proxy.client.ClientHandler;
import io.pgmux.proxy.client.ClientSession;
import io.pgmux.proxy.client.ProxyContext;
import io.pgmux.proxy.client.SessionRegistry;
import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.config.PgmuxConfig;
import io.pgmux.proxy.net.FrameDecoder;
import io.pgmux.proxy.net.Transport;
import io.pgmux.proxy.pool.PoolRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The running proxy: event loops, the client listener, the pools and the sessions. Start it with
 * {@link #start}; stop it with {@link #shutdownGracefully}, which stops accepting, lets running
 * transactions finish for up to {@code shutdown_timeout}, then closes everything.
 */
public final class PgmuxServer implements RunningServer {
    private static final Logger log = LoggerFactory.getLogger(PgmuxServer.class);
    private static final WriteBufferWaterMark CLIENT_WATER_MARK = new WriteBufferWaterMark(64 * 1024, 256 * 1024);
    private static final Duration LOGIN_TIMEOUT = Duration.ofSeconds(60);

    private final PgmuxConfig config;
    private final EventLoopGroup group;
    private final ExecutorService resolver;
    private final PoolRegistry pools;
    private final SessionRegistry sessions;
    private final Channel listener;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final AtomicBoolean stopping = new AtomicBoolean();

    private PgmuxServer(PgmuxConfig config, EventLoopGroup group, ExecutorService resolver, PoolRegistry pools,
            SessionRegistry sessions, Channel listener) {
        this.config = config;
        this.group = group;
        this.resolver = resolver;
        this.pools = pools;
        this.sessions = sessions;
        this.listener = listener;
    }

    public static PgmuxServer start(PgmuxConfig config) throws Exception {
        Transport transport = Transport.best();
        int loops = config.effectiveEventLoops();
        EventLoopGroup group = transport.newGroup(loops, "pgmux-loop");
        ExecutorService resolver = Executors.newCachedThreadPool(new DefaultThreadFactory("pgmux-resolver", true));
        try {
            ServerConnector connector = new ServerConnector(group, transport, resolver);
            PoolRegistry pools = new PoolRegistry(config, connector);
            SessionRegistry sessions = new SessionRegistry();
            ProxyContext context = new ProxyContext(config, pools, ClientCredentials.from(config.users()), sessions, LOGIN_TIMEOUT);
            Channel listener = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannelClass())
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.SO_KEEPALIVE, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, CLIENT_WATER_MARK)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(FrameDecoder.forClient(config.maxMessageSize()),
                                    new ClientHandler(new ClientSession(ch, context)));
                        }
                    })
                    .bind(config.listen().host(), config.listen().port())
                    .sync()
                    .channel();
            group.next().scheduleAtFixedRate(pools::closeExpiredIdle, 1, 1, TimeUnit.SECONDS);
            log.info("{} transport, {} event loops", transport.name(), loops);
            return new PgmuxServer(config, group, resolver, pools, sessions, listener);
        } catch (Exception | Error e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            resolver.shutdownNow();
            throw e;
        }
    }

    @Override
    public HostPort boundAddress() {
        InetSocketAddress address = (InetSocketAddress) listener.localAddress();
        return new HostPort(address.getAddress().getHostAddress(), address.getPort());
    }

    public SessionRegistry sessions() {
        return sessions;
    }

    public PoolRegistry pools() {
        return pools;
    }

    @Override
    public void awaitTermination() throws InterruptedException {
        terminated.await();
    }

    /** Starts the shutdown on its own thread and returns; {@link #awaitTermination} waits for the end. */
    @Override
    public void shutdownGracefully() {
        if (stopping.compareAndSet(false, true)) {
            Thread thread = new Thread(this::shutdown, "pgmux-shutdown");
            thread.setDaemon(false);
            thread.start();
        }
    }

    private void shutdown() {
        log.info("shutting down: no new clients; waiting up to {}s for running transactions", config.shutdownTimeout().toSeconds());
        listener.close().syncUninterruptibly();
        sessions.all().forEach(session -> session.executor().execute(session::onShutdown));
        long deadline = System.nanoTime() + config.shutdownTimeout().toNanos();
        while (sessions.connectedCount() > 0 && System.nanoTime() - deadline < 0) {
            sleep(20);
        }
        if (sessions.connectedCount() > 0) {
            log.warn("shutdown timeout: closing {} clients still connected", sessions.connectedCount());
            sessions.all().forEach(ClientSession::forceClose);
        }
        pools.closeAll();
        sleep(100);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        resolver.shutdownNow();
        log.info("stopped");
        terminated.countDown();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
