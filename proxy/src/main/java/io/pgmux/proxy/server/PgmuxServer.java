package io.pgmux.proxy.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.admin.Control;
import io.pgmux.proxy.admin.ReloadResult;
import io.pgmux.proxy.auth.RoleSecrets;
import io.pgmux.proxy.backend.ServerConnector;
import io.pgmux.proxy.backend.ServerTlsContexts;
import io.pgmux.proxy.backend.ServerTlsFailure;
import io.pgmux.proxy.client.ClientHandler;
import io.pgmux.proxy.client.ClientSession;
import io.pgmux.proxy.client.ClientTlsSetup;
import io.pgmux.proxy.client.ProxyContext;
import io.pgmux.proxy.client.SessionRegistry;
import io.pgmux.proxy.client.UserTimeouts;
import io.pgmux.proxy.config.ConfigException;
import io.pgmux.proxy.config.ConfigSource;
import io.pgmux.proxy.config.ConfigView;
import io.pgmux.proxy.config.DatabaseConfig;
import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.config.ObservabilityConfig;
import io.pgmux.proxy.config.OnlineSettings;
import io.pgmux.proxy.config.PendingTlsFiles;
import io.pgmux.proxy.config.PeersConfig;
import io.pgmux.proxy.config.PgmuxConfig;
import io.pgmux.proxy.config.TcpKeepalive;
import io.pgmux.proxy.config.TransportChoice;
import io.pgmux.proxy.http.Health;
import io.pgmux.proxy.http.HttpEndpoint;
import io.pgmux.proxy.http.UpstreamProbe;
import io.pgmux.proxy.logging.LogSettings;
import io.pgmux.proxy.metrics.EventLoopLag;
import io.pgmux.proxy.metrics.Metrics;
import io.pgmux.proxy.metrics.StatsTicker;
import io.pgmux.proxy.net.Addresses;
import io.pgmux.proxy.net.Buffers;
import io.pgmux.proxy.net.HostLookup;
import io.pgmux.proxy.net.ServerAddresses;
import io.pgmux.proxy.net.FrameDecoder;
import io.pgmux.proxy.net.NoReadWhileClosing;
import io.pgmux.proxy.net.OneReadPerTurn;
import io.pgmux.proxy.net.TcpSettings;
import io.pgmux.proxy.net.Transport;
import io.pgmux.proxy.peer.PeerBudget;
import io.pgmux.proxy.peer.PeerCancels;
import io.pgmux.proxy.peer.PeerDirectory;
import io.pgmux.proxy.peer.PeerIds;
import io.pgmux.proxy.pool.Pool;
import io.pgmux.proxy.pool.PoolCounts;
import io.pgmux.proxy.pool.PoolRegistry;
import io.pgmux.proxy.pool.PoolStats;
import io.pgmux.proxy.tls.HandshakeCounts;
import io.pgmux.proxy.tls.TlsEngine;
import io.pgmux.proxy.tls.TlsFileException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntUnaryOperator;

/**
 * The running proxy: event loops, the client listener, the pools and the sessions, the HTTP
 * endpoint and the background thread (reloads, statistics). Start it with {@link #start}; stop it
 * with {@link #shutdownGracefully}, which stops accepting, lets running transactions finish for up
 * to {@code shutdown_timeout}, then closes everything. {@link #reload} applies a new config file
 * without dropping connections.
 */
public final class PgmuxServer implements RunningServer, Control {
    private static final Logger log = LoggerFactory.getLogger(PgmuxServer.class);
    /** How often the client timeouts are checked: they fire up to this late. */
    private static final long TIMEOUT_CHECK_MILLIS = 200;
    private static final WriteBufferWaterMark CLIENT_WATER_MARK = new WriteBufferWaterMark(64 * 1024, 256 * 1024);

    private final ConfigSource source;
    private final Transport transport;
    private final EventLoopGroup group;
    private final EventLoopGroup httpGroup;
    private final ExecutorService resolver;
    private final ScheduledExecutorService background;
    private final PoolRegistry pools;
    private final PoolStats consoleStats = new PoolStats();
    private final SessionRegistry sessions;
    private final ProxyContext context;
    private final ServerTlsContexts serverTls = new ServerTlsContexts();
    /** Touched on the background thread only (SET, RELOAD). */
    private final PendingTlsFiles pendingTlsFiles = new PendingTlsFiles();
    private final HandshakeCounts<ServerTlsFailure> serverTlsStats = new HandshakeCounts<>(ServerTlsFailure.class);
    private final StatsTicker ticker;
    private final ServerAddresses addresses;
    private final Suspension suspension;
    private final PeerCancels peerCancels;
    /** One server budget across the peers; null when peering is off. */
    private final PeerBudget peerBudget;
    private final long startedAtMillis = System.currentTimeMillis();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicLong reloadsOk = new AtomicLong();
    private final AtomicLong reloadsFailed = new AtomicLong();
    private volatile long lastReloadMillis = startedAtMillis;
    private volatile PgmuxConfig config;
    /** The per-user client timeouts of {@link #config}, made again when the config changes. */
    private volatile UserTimeouts userTimeouts;
    private volatile boolean shuttingDown;
    private Channel listener;
    private UnixSocketListener unixListener;
    private HttpEndpoint http;
    private EventLoopLag lag;

    private PgmuxServer(PgmuxConfig config, ConfigSource source, Transport transport, EventLoopGroup group,
                        EventLoopGroup httpGroup, ExecutorService resolver, HostLookup lookup,
                        ScheduledExecutorService background, int peerId) {
        this.config = config;
        this.userTimeouts = UserTimeouts.of(config);
        this.source = source;
        this.transport = transport;
        this.group = group;
        this.httpGroup = httpGroup;
        this.resolver = resolver;
        this.background = background;
        HostLookup hostLookup = lookup != null ? lookup : HostLookup.system(resolver);
        this.addresses = new ServerAddresses(hostLookup, System::nanoTime,
                () -> this.config.serverLimits().dnsMaxTtl());
        ServerConnector connector = new ServerConnector(group, transport, addresses,
                () -> this.config.timeouts().keepalive(), serverTls, serverTlsStats);
        this.pools = new PoolRegistry(config, connector);
        this.sessions = new SessionRegistry(peerId);
        this.context = new ProxyContext(config, pools, sessions, this, new RoleSecrets(connector, group));
        this.peerCancels = peerId == 0 ? PeerCancels.off()
                : new PeerCancels(new PeerDirectory(peerId, () -> this.config.peers(), hostLookup, background), connector::sendCancel);
        context.usePeers(peerCancels);
        this.peerBudget = peerId == 0 ? null : new PeerBudget(peerCancels.directory(), new PeerBudget.Budgets() {
            @Override
            public Map<String, Integer> used() {
                return pools.databaseUsed();
            }

            @Override
            public int limitOf(String database) {
                return pools.databaseLimit(database);
            }

            @Override
            public void applyShares(IntUnaryOperator shareOfLimit) {
                pools.applyShares(shareOfLimit);
            }
        }, () -> this.config.shutdownTimeout());
        if (peerBudget != null) {
            context.usePeerBudget(peerBudget);
        }
        this.ticker = new StatsTicker(pools, consoleStats, background);
        this.suspension = new Suspension(sessions, pools, background);
    }

    /** Starts with a config that RELOAD cannot change (it is read again from nowhere). */
    public static PgmuxServer start(PgmuxConfig config) throws Exception {
        return start(config, ConfigSource.fixed(config));
    }

    /** Starts with {@code config}; RELOAD and SIGHUP read {@code source} again. */
    public static PgmuxServer start(PgmuxConfig config, ConfigSource source) throws Exception {
        return start(config, source, null);
    }

    /**
     * As {@link #start(PgmuxConfig, ConfigSource)}, server host names being looked up by {@code lookup}
     * (a test's); null = the system's resolver, on pgmux's resolver threads.
     */
    public static PgmuxServer start(PgmuxConfig config, ConfigSource source, HostLookup lookup) throws Exception {
        ClientTlsSetup clientTls = loadClientTls(config);
        int peerId = peerId(config);
        Transport transport = Transport.of(config.transport(), config.soReuseport());
        if (transport.fallback() != null && config.transport() == TransportChoice.AUTO) {
            log.info("transport auto: {}, since {}", transport.name(), transport.fallback());
        } else if (transport.fallback() != null) {
            log.warn("transport {} asked for, {} used: {}", config.transport().yamlName(), transport.name(),
                    transport.fallback());
        }
        if (config.soReuseport() && transport.isIoUring()) {
            log.warn("so_reuseport with the io_uring transport: should this process be killed, its listening socket stays"
                    + " in the port's group a moment after it, and connections the kernel gives it then are reset"
                    + " (transport auto takes epoll with so_reuseport)");
        }
        int loops = config.effectiveEventLoops();
        EventLoopGroup group = transport.newGroup(loops, "pgmux-loop");
        EventLoopGroup httpGroup = transport.newGroup(1, "pgmux-http");
        ExecutorService resolver = Executors.newCachedThreadPool(new DefaultThreadFactory("pgmux-resolver", true));
        ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor(
                new DefaultThreadFactory("pgmux-background", true));
        PgmuxServer server = new PgmuxServer(config, source, transport, group, httpGroup, resolver, lookup, background, peerId);
        server.context.updateClientTls(clientTls);
        try {
            server.bind();
            log.info("{} transport, {} event loops", transport.name(), loops);
            log.info("TLS engine: {}; client TLS: {}", TlsEngine.describe(), clientTls.summary());
            if (!TcpSettings.timingsSupported(transport) && hasKeepaliveTimings(config)) {
                log.warn("tcp_keepidle, tcp_keepintvl, tcp_keepcnt and tcp_user_timeout need the epoll or io_uring transport (Linux); "
                        + "on {} only tcp_keepalive applies", transport.name());
            }
            return server;
        } catch (Exception | Error e) {
            server.releaseResources();
            throw e;
        }
    }

    /** {@code peer_id}, {@code auto} resolved from this host's address; a host without one is a config error. */
    private static int peerId(PgmuxConfig config) throws ConfigException {
        if (config.peers().peerId() != PeersConfig.AUTO) {
            return config.peers().peerId();
        }
        try {
            int id = PeerIds.ofThisHost();
            log.info("peer_id auto: this replica is peer {}", id);
            return id;
        } catch (IllegalStateException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** The certificate, key and CAs of {@code client_tls}; a file that cannot be used is a config error naming it. */
    private static ClientTlsSetup loadClientTls(PgmuxConfig config) throws ConfigException {
        try {
            return ClientTlsSetup.load(config.clientTls());
        } catch (TlsFileException | SSLException e) {
            throw new ConfigException("client_tls: " + e.getMessage());
        }
    }

    private void bind() throws Exception {
        serverTls.load(config);
        LogSettings.apply(config.observability().logLevel(), config.observability().logFormat());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, Buffers.ALLOCATOR)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, CLIENT_WATER_MARK)
                .childHandler(clientInitializer(true));
        if (config.soReuseport()) {
            bootstrap.option(reusePort(), true);
        }
        ChannelFuture bound = bootstrap.bind(config.listen().host(), config.listen().port()).await();
        if (!bound.isSuccess()) {
            throw cannotListen("listen", config.listen(), bound.cause());
        }
        listener = bound.channel();
        unixListener = UnixSocketListener.start(config.unixSocket(), boundAddress().port(), transport, group,
                CLIENT_WATER_MARK, clientInitializer(false));
        HostPort httpListen = config.observability().httpListen();
        if (httpListen != null) {
            try {
                http = startHttp(httpListen);
            } catch (Exception e) {
                throw cannotListen("http.listen", httpListen, e);
            }
            log.info("metrics and health checks on http://{}/metrics, /healthz, /readyz", http.boundAddress());
        }
        group.next().scheduleAtFixedRate(pools::closeExpiredIdle, 1, 1, TimeUnit.SECONDS);
        group.next().scheduleAtFixedRate(pools::expireWaiters, 100, 100, TimeUnit.MILLISECONDS);
        group.next().scheduleAtFixedRate(pools::openServersIfDue, 100, 100, TimeUnit.MILLISECONDS);
        for (EventExecutor loop : group) {
            loop.scheduleAtFixedRate(() -> checkClientTimeouts(loop), TIMEOUT_CHECK_MILLIS, TIMEOUT_CHECK_MILLIS,
                    TimeUnit.MILLISECONDS);
        }
        background.scheduleWithFixedDelay(this::removeUnusedPools, 1, 1, TimeUnit.SECONDS);
        lag = EventLoopLag.start(group);
        ticker.start(config.observability().statsPeriod());
        if (peerCancels.enabled()) {
            peerCancels.directory().start();
            peerBudget.start();
        }
    }

    /**
     * The option {@code so_reuseport} sets. NIO has none: pgmux then refuses to start rather than
     * bind without it, which would leave the next process on the port unable to bind.
     */
    private ChannelOption<Boolean> reusePort() throws ConfigException {
        if (transport.reusePort() == null) {
            throw new ConfigException("so_reuseport needs the epoll or io_uring transport (Linux); the " + transport.name()
                    + " transport has no SO_REUSEPORT" + (transport.fallback() != null ? " (" + transport.fallback() + ")" : ""));
        }
        return transport.reusePort();
    }

    /** Each new client connection: TCP ones ({@code tcp}) take the keepalive settings, Unix socket ones have none. */
    private ChannelInitializer<Channel> clientInitializer(boolean tcp) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                if (tcp) {
                    TcpSettings.apply(ch, config.timeouts().keepalive());
                }
                OneReadPerTurn.apply(ch);
                NoReadWhileClosing.apply(ch);
                ch.pipeline().addLast(FrameDecoder.forClient(config.maxMessageSize()),
                        new ClientHandler(new ClientSession(ch, context)));
            }
        };
    }

    /**
     * On each event loop, every {@link #TIMEOUT_CHECK_MILLIS}: {@code query_timeout},
     * {@code idle_transaction_timeout}, {@code transaction_timeout} and {@code client_idle_timeout}
     * of the loop's sessions (each user's own where it sets them), as configured now (a reload applies at the next check). An exception would end the schedule.
     */
    private void checkClientTimeouts(EventExecutor loop) {
        UserTimeouts timeouts = userTimeouts;
        PgmuxConfig now = config;
        if (!timeouts.isOf(now)) {
            timeouts = UserTimeouts.of(now); // once per config: each loop's check would otherwise rebuild the map
            userTimeouts = timeouts;
        }
        if (!timeouts.anyOn()) {
            return;
        }
        try {
            sessions.checkTimeouts(loop, timeouts);
        } catch (RuntimeException e) {
            log.error("checking client timeouts failed", e);
        }
    }

    /**
     * On the background thread, every second: removes unused pools and makes those min_pool_size
     * keeps warm. An exception would end the schedule, so it is logged here.
     */
    private void removeUnusedPools() {
        try {
            pools.removeUnused();
            pools.warmFixedUserPools();
        } catch (RuntimeException e) {
            log.error("removing unused pools failed", e);
        }
    }

    private static boolean hasKeepaliveTimings(PgmuxConfig config) {
        TcpKeepalive k = config.timeouts().keepalive();
        return !k.idle().isZero() || !k.interval().isZero() || k.count() > 0 || !k.userTimeout().isZero();
    }

    /** A bind failure in words that name the setting and the address, not only Netty's native call. */
    private static IOException cannotListen(String key, HostPort address, Throwable cause) {
        String reason = cause != null ? Addresses.describeFailure(cause) : "the socket did not open";
        return new IOException("cannot listen on " + address + " (" + key + "): " + reason, cause);
    }

    private HttpEndpoint startHttp(HostPort httpListen) throws Exception {
        return HttpEndpoint.start(httpListen, transport, httpGroup, new HttpEndpoint.Routes() {
                @Override
                public String metrics() {
                    return metricsText();
                }

                @Override
                public CompletableFuture<Health> readiness() {
                    return PgmuxServer.this.readiness();
                }
            });
    }

    @Override
    public HostPort boundAddress() {
        InetSocketAddress address = (InetSocketAddress) listener.localAddress();
        return new HostPort(address.getAddress().getHostAddress(), address.getPort());
    }

    /** The transport the connections use: io_uring, epoll or nio (the one asked for, or its fallback). */
    public String transportName() {
        return transport.name();
    }

    /** Where the HTTP endpoint listens, or null when {@code http.listen} is off. */
    public HostPort httpAddress() {
        return http != null ? http.boundAddress() : null;
    }

    @Override
    public PgmuxConfig config() {
        return config;
    }

    @Override
    public SessionRegistry sessions() {
        return sessions;
    }

    @Override
    public PoolRegistry pools() {
        return pools;
    }

    @Override
    public PoolStats consoleStats() {
        return consoleStats;
    }

    @Override
    public long startedAtMillis() {
        return startedAtMillis;
    }

    @Override
    public boolean isShuttingDown() {
        return shuttingDown;
    }

    // ---------------------------------------------------------------- reload

    @Override
    public CompletableFuture<ReloadResult> reload() {
        return CompletableFuture.supplyAsync(this::reloadNow, background);
    }

    @Override
    public void requestReload() {
        reload();
    }

    /** On the background thread: one reload at a time. */
    private ReloadResult reloadNow() {
        PgmuxConfig loaded;
        try {
            loaded = source.load();
            serverTls.load(loaded);
        } catch (ConfigException e) {
            reloadsFailed.incrementAndGet();
            log.warn("reload failed; the config in effect is unchanged: {}", String.join("; ", e.errors()));
            return ReloadResult.failed(e.errors());
        } catch (RuntimeException e) {
            reloadsFailed.incrementAndGet();
            log.error("reload failed; the config in effect is unchanged", e);
            return ReloadResult.failed(List.of(e.toString()));
        }
        ClientTlsSetup clientTls;
        try {
            clientTls = loadClientTls(loaded);
        } catch (ConfigException e) {
            reloadsFailed.incrementAndGet();
            log.warn("reload failed; the config in effect is unchanged: {}", String.join("; ", e.errors()));
            return ReloadResult.failed(e.errors());
        }
        pendingTlsFiles.clear();
        ReloadResult result = switchTo(loaded, clientTls, "config reloaded");
        reloadsOk.incrementAndGet(); // a SET is no reload: /metrics counts reloads of the file
        lastReloadMillis = System.currentTimeMillis();
        return result;
    }

    @Override
    public CompletableFuture<ReloadResult> set(String key, String value) {
        return CompletableFuture.supplyAsync(() -> {
            PgmuxConfig changed;
            ClientTlsSetup clientTls;
            try {
                changed = OnlineSettings.set(config, pendingTlsFiles.with(key, value));
                serverTls.load(changed);
                clientTls = loadClientTls(changed);
            } catch (OnlineSettings.RefusedException e) {
                if (e.refusal() == OnlineSettings.Refusal.INVALID_VALUE && PendingTlsFiles.isFileName(key)) {
                    return keepTlsFile(key, value, e.getMessage());
                }
                throw new CompletionException(e);
            } catch (ConfigException e) {
                String why = String.join("; ", e.errors());
                if (PendingTlsFiles.isFileName(key)) {
                    return keepTlsFile(key, value, why);
                }
                throw new CompletionException(new OnlineSettings.RefusedException(OnlineSettings.Refusal.INVALID_VALUE, why));
            }
            if (PendingTlsFiles.isFileName(key)) {
                pendingTlsFiles.clear(); // they took effect with this one
            }
            return switchTo(changed, clientTls, "SET " + key);
        }, background);
    }

    /** On the background thread: a TLS file SET that does not load with the others yet waits for the next one. */
    private ReloadResult keepTlsFile(String key, String value, String why) {
        pendingTlsFiles.keep(key, value);
        String notice = "SET " + key + " is kept but not in effect: " + why + ". TLS goes on as before until a SET of another"
                + " TLS file completes the change (waiting: " + String.join(", ", pendingTlsFiles.names())
                + "); RELOAD drops the waiting SETs";
        log.warn("{}", notice);
        return new ReloadResult(List.of(), List.of(), List.of(notice));
    }

    /** On the background thread: puts {@code loaded} in effect, keeping what needs a restart. */
    private ReloadResult switchTo(PgmuxConfig loaded, ClientTlsSetup clientTls, String what) {
        PgmuxConfig running = config;
        List<String> changed = new ArrayList<>();
        List<String> notices = new ArrayList<>();
        for (ConfigView.Setting change : ConfigView.changes(running, loaded)) {
            if (change.changeable()) {
                changed.add(change.key());
            } else {
                notices.add(change.key() + " changed in the config file (" + change.defaultValue() + " -> " + change.value()
                        + "): restart pgmux to apply it; every other change is applied");
            }
        }
        PgmuxConfig effective = ConfigView.keepUnchangeable(running, loaded);
        config = effective;
        context.update(effective);
        context.updateClientTls(clientTls);
        if (clientTls.enabled()) {
            log.info("client TLS reloaded: {} (for new connections)", clientTls.summary());
        }
        List<Pool> removed = pools.apply(effective);
        for (ClientSession session : sessions.all()) {
            session.executor().execute(() -> {
                Pool pool = session.pool();
                if (pool != null && removed.contains(pool)) {
                    session.closeWhenIdle(ErrorResponse.fatal(SqlState.ADMIN_SHUTDOWN, "database \""
                            + pool.key().database() + "\" is no longer served by pgmux (removed from its config at reload)"));
                }
            });
        }
        ObservabilityConfig o = effective.observability();
        ticker.start(o.statsPeriod());
        LogSettings.apply(o.logLevel(), o.logFormat());
        notices.forEach(notice -> log.warn("reload: {}", notice));
        log.info("{}: {}{}", what, changed.isEmpty() ? "nothing changed" : "changed " + String.join(", ", changed),
                removed.isEmpty() ? "" : "; closed pools " + removed.stream().map(p -> p.key().toString()).toList());
        return new ReloadResult(List.of(), changed, notices);
    }

    // ---------------------------------------------------------------- suspend

    @Override
    public CompletableFuture<Void> suspend() {
        return suspension.suspend();
    }

    @Override
    public boolean resumeFromSuspend() {
        return suspension.resume();
    }

    @Override
    public boolean isSuspended() {
        return suspension.isSuspended();
    }

    @Override
    public ServerAddresses serverAddresses() {
        return addresses;
    }

    // ---------------------------------------------------------------- metrics and health

    private String metricsText() {
        return Metrics.render(this, lag != null ? lag.lagNanos() : new long[0], new Metrics.ServerCounters(
                reloadsOk.get(), reloadsFailed.get(), lastReloadMillis / 1000, isReady(), serverTlsStats));
    }

    private boolean isReady() {
        return !shuttingDown && listener != null && listener.isActive();
    }

    private CompletableFuture<Health> readiness() {
        boolean ready = isReady();
        PgmuxConfig current = config;
        Set<HostPort> targets = new LinkedHashSet<>();
        if (current.upstream() != null) {
            targets.add(current.upstream());
        }
        current.databases().values().stream().map(DatabaseConfig::server).forEach(targets::add);
        List<Pool> poolList = new ArrayList<>(pools.all());
        poolList.sort(Comparator.comparing(p -> p.key().toString()));
        return UpstreamProbe.check(targets, transport, httpGroup, resolver).thenApply(lines -> {
            StringBuilder body = new StringBuilder(ready ? "ready\n" : shuttingDown ? "not ready: shutting down\n"
                    : "not ready: not listening\n");
            lines.forEach(line -> body.append(line).append('\n'));
            for (Pool pool : poolList) {
                PoolCounts c = pool.counts();
                ErrorResponse error = pool.lastLoginError();
                body.append("pool ").append(pool.key()).append(": ").append(c.servers()).append(" servers")
                        .append(c.paused() ? ", paused" : "")
                        .append(error != null ? ", last server login failed: " + error.message() : "").append('\n');
            }
            return new Health(ready, body.toString());
        });
    }

    // ---------------------------------------------------------------- shutdown

    @Override
    public void awaitTermination() throws InterruptedException {
        terminated.await();
    }

    @Override
    public PeerCancels peerCancels() {
        return peerCancels;
    }

    @Override
    public PeerBudget peerBudget() {
        return peerBudget;
    }

    /** Starts the shutdown on its own thread and returns; {@link #awaitTermination} waits for the end. */
    @Override
    public void shutdownGracefully() {
        shutdown(false);
    }

    @Override
    public void shutdown(boolean waitForClients) {
        if (stopping.compareAndSet(false, true)) {
            shuttingDown = true;
            Thread thread = new Thread(() -> shutdownNow(waitForClients), "pgmux-shutdown");
            thread.setDaemon(false);
            thread.start();
        }
    }

    private void shutdownNow(boolean waitForClients) {
        try {
            stopServing(waitForClients);
        } catch (RuntimeException | Error e) {
            log.error("shutdown failed; stopping anyway", e);
        } finally {
            terminated.countDown();
        }
    }

    private void stopServing(boolean waitForClients) {
        Duration timeout = config.shutdownTimeout();
        listener.close().syncUninterruptibly();
        closeUnixListener();
        if (waitForClients) {
            log.info("shutting down: no new clients; waiting for the {} connected to leave", sessions.connectedCount());
            while (sessions.connectedCount() > 0) {
                sleep(20);
            }
        } else {
            log.info("shutting down: no new clients; waiting up to {}s for running transactions", timeout.toSeconds());
            sessions.all().forEach(session -> session.executor().execute(session::onShutdown));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (sessions.connectedCount() > 0 && System.nanoTime() - deadline < 0) {
                sleep(20);
            }
            if (sessions.connectedCount() > 0) {
                log.warn("shutdown timeout: closing {} clients still connected", sessions.connectedCount());
                sessions.all().forEach(ClientSession::forceClose);
            }
        }
        pools.closeAll();
        sleep(100);
        releaseResources();
        log.info("stopped");
    }

    private void releaseResources() {
        ticker.stop();
        peerCancels.directory().stop();
        if (peerBudget != null) {
            peerBudget.stop();
        }
        if (http != null) {
            http.close();
        }
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        closeUnixListener();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        httpGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        resolver.shutdownNow();
        background.shutdownNow();
    }

    private void closeUnixListener() {
        UnixSocketListener unix = unixListener;
        unixListener = null;
        if (unix != null) {
            unix.close();
        }
    }

    /** The Unix domain socket clients may connect to, or null when there is none. */
    public Path unixSocketPath() {
        UnixSocketListener unix = unixListener;
        return unix != null ? unix.path() : null;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
