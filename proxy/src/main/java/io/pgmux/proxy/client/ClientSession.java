package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.FrontendFrameCheck;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.BackendKeyData;
import io.pgmux.protocol.message.CancelRequest;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Messages;
import io.pgmux.protocol.message.NegotiateProtocolVersion;
import io.pgmux.protocol.message.ParameterStatus;
import io.pgmux.protocol.message.ReadyForQuery;
import io.pgmux.protocol.message.StartupMessage;
import io.pgmux.protocol.message.WireMessage;
import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.admin.AdminConsole;
import io.pgmux.proxy.backend.ServerParameters;
import io.pgmux.proxy.config.PgmuxConfig;
import io.pgmux.proxy.config.PoolMode;
import io.pgmux.proxy.config.Units;
import io.pgmux.proxy.net.FrameDecoder;
import io.pgmux.proxy.net.Outbox;
import io.pgmux.proxy.net.WriteBatcher;
import io.pgmux.proxy.pool.Pool;
import io.pgmux.proxy.pool.PoolJoin;
import io.pgmux.proxy.pool.Waiter;
import io.pgmux.proxy.prepared.ClientStatements;
import io.pgmux.proxy.util.ClientText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client connection, from its startup packet to its last byte. Everything here runs on the
 * client's event loop: client frames, frames of the server it holds (handed over by the server's
 * loop), pool callbacks and timers. The Netty handler only does I/O and calls the {@code on*}
 * events; every state change happens in them.
 *
 * <pre>
 *  AwaitingStartup ──StartupMessage──▶ Authenticating ──ok──▶ (welcome known) ──────────────┐
 *                                            │                                             ▼
 *                                            └──ok, settings to check──▶ Waiting(welcome) ▶ Validating ─▶ Idle
 *
 *  Idle ──Query/Parse/...──▶ Waiting ──server assigned──▶ Linked ──ReadyForQuery 'I', nothing owed──▶ Idle
 *   ▲                          │                            │
 *   └──────── error answered ──┴─▶ (FailedUntilSync ─Sync─▶ Idle)       client gone ─▶ Abandoned ─▶ Closed
 *
 *  Authenticating ──ok, database pgbouncer/pgmux, admin or stats user──▶ Admin (frames go to its AdminConsole)
 * </pre>
 *
 * Any state goes to Closed when the client disconnects or gets a FATAL error.
 *
 * <p>Until it has authenticated, a connection counts against {@code max_pending_logins} (checked at
 * connect), may send messages of at most {@link FrameDecoder#LOGIN_MESSAGE_LIMIT} bytes and has
 * {@code client_login_timeout} to finish; from then on it counts against
 * {@code max_client_connections} (checked when authentication succeeds, with
 * {@code admin_reserved_connections} more for console users). See {@link SessionRegistry}.
 */
public final class ClientSession implements Waiter {
    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);
    private static final int PAUSED_WAITING = 1;
    private static final int PAUSED_SERVER_FULL = 2;
    private static final int PAUSED_STALLED = 4;
    private static final int PAUSED_CLIENT_FULL = 8;
    private static final ErrorResponse SHUTTING_DOWN = ErrorResponse.fatal(SqlState.ADMIN_SHUTDOWN, "pgmux is shutting down");

    /** Every state a session can be in; see the diagram above. */
    sealed interface State permits AwaitingStartup, Authenticating, Waiting, Validating, Idle, FailedUntilSync,
            Linked, Abandoned, Admin, Closed {}

    /** Before the StartupMessage; SSL and GSS encryption requests are refused here. */
    record AwaitingStartup() implements State {}

    record Authenticating(ClientAuthenticator authenticator) implements State {}

    /** Queued for a server: to check the client's startup settings ({@code forWelcome}), or to run its messages. */
    record Waiting(List<ByteBuf> pending, boolean forWelcome) implements State {}

    /** Holding a server to check the startup settings before the welcome; client messages wait. */
    record Validating(ServerLink link, List<ByteBuf> pending) implements State {}

    /** Logged in, holding no server. */
    record Idle() implements State {}

    /** An error was answered locally for an unfinished extended-protocol batch: drop messages until Sync, as Postgres does. */
    record FailedUntilSync() implements State {}

    /** Holding a server for a transaction (or, in session mode, for the session). */
    record Linked(ServerLink link) implements State {}

    /** The client is gone; the server it held is being rolled back or reset before it goes back. */
    record Abandoned(ServerLink link) implements State {}

    /** Logged in to the admin console, which gets every frame. */
    record Admin(AdminConsole console) implements State {}

    record Closed() implements State {}

    private static final AtomicLong IDS = new AtomicLong();

    private final long id = IDS.incrementAndGet();
    private final long connectedAtMillis = System.currentTimeMillis();
    private final long connectedAtNanos = System.nanoTime();
    private final Channel channel;
    private final ProxyContext context;
    private final Outbox toServer = new Outbox();
    private final WriteBatcher toClient;
    /** What the held server owes; one queue for the session's life, empty whenever it holds no server. */
    private final ReplyQueue replies = new ReplyQueue();
    private State state = new AwaitingStartup();
    /** A FATAL error went to the client and the connection is closing: its further messages are dropped. */
    private boolean fatalSent;
    private boolean shuttingDown;
    private ErrorResponse leaveReason = SHUTTING_DOWN;
    private boolean countedInPool;
    private int readPauses;
    private String user;
    private String database;
    private Pool pool;
    private ClientParameters parameters;
    private StatementContext statements;
    private LocalReplies localReplies;
    private final LinkEvents linkEvents = new LinkEvents();
    private int processId;
    private int secretKey;
    private ScheduledFuture<?> loginTimeout;
    private long waitStartedNanos;
    /** Bytes forwarded since the pool's counters were last told (once per batch, not per message). */
    private long bytesFromClient;
    private long bytesToClient;
    /** Named statements prepared and bound since then, told the same way. */
    private final StatementCounts statementCounts = new StatementCounts();
    /** The server to cancel on this client's behalf: read by the cancel path, from any loop. */
    private volatile ServerConnection cancelTarget;

    public ClientSession(Channel channel, ProxyContext context) {
        this.channel = channel;
        this.toClient = new WriteBatcher(channel);
        this.context = context;
    }

    @Override
    public EventExecutor executor() {
        return channel.eventLoop();
    }

    State state() {
        return state;
    }

    int processId() {
        return processId;
    }

    int secretKey() {
        return secretKey;
    }

    void setCancelKey(int processId, int secretKey) {
        this.processId = processId;
        this.secretKey = secretKey;
    }

    // ---------------------------------------------------------------- client events

    public void onConnected() {
        int maxPending = context.config().loginLimits().maxPendingLogins();
        if (!context.sessions().onConnected(this, maxPending)) {
            state = new Closed();
            channel.config().setAutoRead(false);
            logRefusal("max_pending_logins " + maxPending + " reached");
            fatal(ErrorResponse.fatal(SqlState.TOO_MANY_CONNECTIONS, "too many connections are logging in: pgmux allows "
                    + maxPending + " at once (max_pending_logins)").withHint("Try again in a moment."));
            return;
        }
        loginTimeout = channel.eventLoop().schedule(this::onLoginTimeout, context.loginTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
    }

    public void onClientFrame(ByteBuf frame) {
        if (fatalSent) {
            frame.release(); // the rest of a read that ended in a FATAL error: nothing more is acted on
        } else if (state instanceof AwaitingStartup) {
            onStartupPacket(frame);
        } else if (state instanceof Authenticating authenticating) {
            onPasswordFrame(authenticating, frame);
        } else if (state instanceof Admin admin) {
            admin.console().onFrame(frame);
        } else if (state instanceof Closed || state instanceof Abandoned) {
            frame.release();
        } else {
            onSessionFrame(frame);
        }
    }

    public void onClientReadComplete() {
        if (state instanceof Linked linked) {
            sendToServer(linked.link());
        }
        flushClient();
    }

    /**
     * The client is read only while it reads what it is sent, as Postgres does (it blocks on a full
     * socket): replies pgmux makes itself (to a Sync, Close, Parse or DEALLOCATE, before login to an
     * SSLRequest) would otherwise pile up without bound for a client that sends and never reads.
     * The console pauses its client itself.
     */
    public void onClientWritabilityChanged() {
        if (state instanceof Admin admin) {
            admin.console().onWritabilityChanged();
            return;
        }
        if (!channel.isWritable()) {
            pauseReading(PAUSED_CLIENT_FULL);
            return;
        }
        resumeReading(PAUSED_CLIENT_FULL);
        if (state instanceof Linked linked && linked.link().serverPaused) {
            linked.link().serverPaused = false;
            linked.link().server.resumeReading();
        }
    }

    /** The client broke the protocol: one log line, a FATAL error, and the connection closes. Later reports are ignored. */
    public void onProtocolError(ProtocolException e) {
        channel.config().setAutoRead(false);
        if (fatalSent) {
            return;
        }
        String message = ClientText.text(e.getMessage());
        log.info("c{} [{}] protocol violation: {}", id, poolName(), message);
        fatal(ErrorResponse.fatal(e.sqlState(), message));
    }

    /** Something pgmux did not foresee failed on this client's behalf: a bug, which costs this client only. */
    public void onUnexpectedFailure(RuntimeException e) {
        ServerLink link = linkOf(currentServer());
        if (link != null) {
            failWhileHolding(link, e);
            return;
        }
        log.error("c{} [{}] unexpected failure; closing the client", id, poolName(), e);
        fatal(internalError(e));
    }

    private static ErrorResponse internalError(RuntimeException e) {
        return ErrorResponse.fatal(SqlState.INTERNAL_ERROR, "pgmux failed to handle this session: " + e)
                .withHint("This is a bug in pgmux; please report it. Reconnect to go on.");
    }

    /** The client's connection is gone (it left, was killed, or pgmux closed it). */
    public void onClientClosed() {
        cancelLoginTimeout();
        State previous = state;
        state = new Closed();
        if (previous instanceof Waiting waiting) {
            waiting.pending().forEach(ReferenceCountUtil::release);
            // If the pool already picked us, the server arrives later and goes straight back.
            pool.cancelWait(this);
        } else if (previous instanceof Validating validating) {
            validating.pending().forEach(ReferenceCountUtil::release);
            abandon(validating.link());
        } else if (previous instanceof Linked linked) {
            abandon(linked.link());
        } else if (previous instanceof Admin admin) {
            admin.console().onClosed();
        }
        if (countedInPool) {
            reportCounts();
            pool.onClientLeft();
        }
        toServer.clear();
        toClient.discard();
        cancelTarget = null;
        if (statements != null) {
            statements.client().clear();
        }
        context.sessions().onDisconnected(this);
        if (user != null) {
            log.debug("c{} [{}] disconnected", id, poolName());
        }
    }

    /** pgmux is stopping: idle clients are told now, clients in a transaction when it ends. */
    public void onShutdown() {
        shuttingDown = true;
        // A client in the middle of a transaction is closed when it ends, in afterServerBatch.
        if (!(state instanceof Linked linked && !linked.link().isClean() || state instanceof Abandoned || state instanceof Closed)) {
            fatal(leaveReason);
        }
    }

    /** Like {@link #onShutdown}, with another reason: the client's database is no longer served. */
    public void closeWhenIdle(ErrorResponse reason) {
        leaveReason = reason;
        onShutdown();
    }

    /** Sends {@code reason} and closes the connection now, whatever the client is doing (KILL, KILL_CLIENT). */
    public void kill(ErrorResponse reason) {
        fatal(reason);
    }

    // ---------------------------------------------------------------- read on the session's loop, for the admin console

    public long id() {
        return id;
    }

    /** The pool this client uses, or null (before login, on the admin console). */
    public Pool pool() {
        return pool;
    }

    public ClientInfo describe() {
        String shown;
        long serverId = -1;
        long waitNanos = 0;
        if (state instanceof AwaitingStartup || state instanceof Authenticating || state instanceof Validating
                || state instanceof Waiting w && w.forWelcome()) {
            shown = "login";
        } else if (state instanceof Waiting) {
            shown = "waiting";
            waitNanos = System.nanoTime() - waitStartedNanos;
        } else if (state instanceof Linked linked) {
            shown = "active";
            serverId = linked.link().server.id();
        } else if (state instanceof Admin) {
            shown = "active";
        } else if (state instanceof Idle || state instanceof FailedUntilSync) {
            shown = "idle";
        } else {
            shown = "closing";
        }
        long requestAtMillis = waitStartedNanos == 0 ? connectedAtMillis
                : connectedAtMillis + (waitStartedNanos - connectedAtNanos) / 1_000_000;
        String applicationName = parameters != null ? parameters.get("application_name") : null;
        return new ClientInfo(id, user, database, shown, channel.remoteAddress(), channel.localAddress(),
                connectedAtMillis, requestAtMillis, waitNanos, serverId, applicationName != null ? applicationName : "",
                statements != null ? statements.client().size() : 0);
    }

    /** Closes the connection at once (shutdown timeout passed). */
    public void forceClose() {
        channel.close();
    }

    /** A CancelRequest carrying this session's key arrived: forward it to the server held now, if any. */
    void forwardCancel() {
        ServerConnection server = cancelTarget;
        if (server != null) {
            log.info("c{} [{}] cancel request forwarded to server {}", id, poolName(), server);
            server.cancel();
        } else {
            log.debug("c{} [{}] cancel request while holding no server; ignored", id, poolName());
        }
    }

    // ---------------------------------------------------------------- startup and authentication

    private void onStartupPacket(ByteBuf packet) {
        try {
            int code = Frames.startupCode(packet);
            switch (code) {
                case Frontend.SSL_REQUEST_CODE, Frontend.GSSENC_REQUEST_CODE -> {
                    channel.writeAndFlush(Messages.encryptionRefused());
                    return;
                }
                case Frontend.CANCEL_REQUEST_CODE -> {
                    onCancelRequest(CancelRequest.decode(packet));
                    return;
                }
                default -> onStartupMessage(StartupMessage.decode(packet));
            }
        } finally {
            packet.release();
        }
    }

    private void onCancelRequest(CancelRequest request) {
        ClientSession target = context.sessions().find(request.processId(), request.secretKey());
        if (target != null) {
            target.executor().execute(target::forwardCancel);
        }
        channel.close();
    }

    private void onStartupMessage(StartupMessage startup) {
        if (startup.majorVersion() != 3) {
            fatal(ErrorResponse.fatal(SqlState.FEATURE_NOT_SUPPORTED, "unsupported frontend protocol "
                    + startup.majorVersion() + "." + startup.minorVersion() + ": pgmux supports 3.0"));
            return;
        }
        Map<String, String> startupParameters = startup.parameters();
        List<String> protocolOptions = startupParameters.keySet().stream().filter(k -> k.startsWith("_pq_.")).toList();
        if (startup.minorVersion() > 0 || !protocolOptions.isEmpty()) {
            writeToClient(new NegotiateProtocolVersion(Frontend.PROTOCOL_3_0, protocolOptions));
        }
        user = startupParameters.get("user");
        if (user == null || user.isEmpty()) {
            fatal(ErrorResponse.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION, "no PostgreSQL user name specified in startup packet"));
            return;
        }
        database = startupParameters.getOrDefault("database", user);
        if (database.isEmpty()) {
            database = user;
        }
        if (isReplication(startupParameters.get("replication"))) {
            fatal(ErrorResponse.fatal(SqlState.FEATURE_NOT_SUPPORTED, "replication connections are not supported by pgmux")
                    .withHint("Connect replication clients to Postgres directly."));
            return;
        }
        try {
            parameters = ClientParameters.fromStartup(startupParameters);
        } catch (IllegalArgumentException e) {
            fatal(ErrorResponse.fatal(SqlState.FEATURE_NOT_SUPPORTED, e.getMessage()));
            return;
        }
        // Only the question whether the database is served: its pool is made once the client has logged in.
        if (!AdminConsole.isConsoleDatabase(database) && !context.pools().serves(database)) {
            fatal(unknownDatabase());
            return;
        }
        context.sessions().assignCancelKey(this);
        log.info("c{} [{}] login from {}", id, poolName(), channel.remoteAddress());
        ClientAuthenticator authenticator = new ClientAuthenticator(context.config().clientAuth(), user, context.credentials());
        state = new Authenticating(authenticator);
        onAuthenticationStep(authenticator.start());
    }

    private ErrorResponse unknownDatabase() {
        return ErrorResponse.fatal(SqlState.INVALID_CATALOG_NAME, "database \"" + ClientText.name(database) + "\" does not exist")
                .withHint("pgmux serves the databases listed under \"databases\" in its config, and any database when \"upstream\" is set.");
    }

    private static boolean isReplication(String value) {
        return value != null && !value.equalsIgnoreCase("false") && !value.equalsIgnoreCase("off")
                && !value.equalsIgnoreCase("no") && !value.equals("0");
    }

    private void onPasswordFrame(Authenticating authenticating, ByteBuf frame) {
        try {
            if (Frames.type(frame) != Frontend.PASSWORD) {
                throw new ProtocolException("expected a password message, got message type " + Frames.describeType(Frames.type(frame)));
            }
            onAuthenticationStep(authenticating.authenticator().onPasswordFrame(frame));
        } finally {
            frame.release();
        }
    }

    private void onAuthenticationStep(ClientAuthenticator.Step step) {
        if (step instanceof ClientAuthenticator.Send send) {
            writeToClient(send.message());
            flushClient();
        } else if (step instanceof ClientAuthenticator.Failure failure) {
            log.info("c{} [{}] authentication failed: {}", id, poolName(), ClientText.text(failure.reason()));
            fatal(failure.error());
        } else if (step instanceof ClientAuthenticator.Success success) {
            if (!admitLoggedIn()) {
                return;
            }
            FrameDecoder decoder = channel.pipeline().get(FrameDecoder.class);
            if (decoder != null) {
                decoder.loggedIn();
            }
            if (success.finalMessage() != null) {
                writeToClient(success.finalMessage());
            }
            writeToClient(Messages.authenticationOk());
            afterAuthentication();
        }
    }

    /**
     * Moves the session from the logins to the clients: a client while fewer than
     * {@code max_client_connections} are logged in; a console user (admin or stats) while fewer than
     * that plus {@code admin_reserved_connections}, so an operator gets in when clients fill pgmux.
     * Otherwise the client gets 53300 and false.
     */
    private boolean admitLoggedIn() {
        PgmuxConfig config = context.config();
        int maxClients = config.maxClientConnections();
        boolean consoleUser = AdminConsole.isConsoleDatabase(database)
                && (config.observability().adminUsers().contains(user) || config.observability().statsUsers().contains(user));
        int reserved = config.loginLimits().adminReservedConnections();
        int limit = consoleUser ? (int) Math.min((long) maxClients + reserved, Integer.MAX_VALUE) : maxClients;
        if (context.sessions().onLoggedIn(this, limit)) {
            return true;
        }
        state = new Closed();
        if (consoleUser) {
            logRefusal("max_client_connections " + maxClients + " and admin_reserved_connections " + reserved + " reached");
            fatal(ErrorResponse.fatal(SqlState.TOO_MANY_CONNECTIONS, "too many client connections: the admin console's "
                    + reserved + " reserved connections are in use too (admin_reserved_connections)"));
        } else {
            logRefusal("max_client_connections " + maxClients + " reached");
            fatal(ErrorResponse.fatal(SqlState.TOO_MANY_CONNECTIONS, "too many client connections: pgmux allows "
                    + maxClients + " (max_client_connections)"));
        }
        return false;
    }

    /** One line a second at most, however many connections a limit refuses. */
    private void logRefusal(String reason) {
        if (context.sessions().shouldLogRefusal()) {
            log.info("c{} [{}] refused: {} ({} connections refused by a limit since start)", id, poolName(), reason,
                    context.sessions().refusedCount());
        }
    }

    /**
     * The welcome needs a server's view of the settings. It comes straight from the pool when the
     * pool knows its defaults and every setting the client asked for was already accepted by a
     * server; otherwise a server checks them first, as Postgres would at startup.
     */
    private void afterAuthentication() {
        if (AdminConsole.isConsoleDatabase(database)) {
            openAdminConsole();
            return;
        }
        if (!joinPool()) {
            return;
        }
        ServerParameters welcome = pool.welcomeParameters();
        boolean allKnown = welcome != null;
        for (Map.Entry<String, String> setting : Map.copyOf(parameters.values()).entrySet()) {
            String name = setting.getKey();
            String value = setting.getValue();
            String accepted = pool.acceptedSetting(name, value);
            if (accepted != null) {
                parameters.normalizeStartup(name, accepted);
            } else if (!(welcome != null && value.equals(welcome.get(name))) && !isPlainApplicationName(name, value)) {
                allKnown = false;
            }
        }
        if (allKnown) {
            parameters.adoptDefaults(welcome);
            sendWelcome(welcome);
            return;
        }
        startWaiting(new ArrayList<>(), true);
    }

    /**
     * Counts the client in the pool of its database and user, which is made now if it does not
     * exist: only clients that logged in make pools. False after sending the FATAL error when there
     * is none to join (max_pools reached, or the database left the config during the login).
     */
    private boolean joinPool() {
        PoolJoin join = context.pools().join(database, user);
        if (join instanceof PoolJoin.Joined joined) {
            pool = joined.pool();
            countedInPool = true;
            statements = new StatementContext(pool.settings().preparedStatements(), pool.settings().mode(),
                    new ClientStatements(pool.statements()), pool.statements(), pool.settings().maxPreparedPerServer(),
                    pool.settings().maxPreparedPerClient(), parameters.get("search_path"), statementCounts);
            localReplies = new LocalReplies(statements, toClient, pool.stats(), channel.alloc());
            return true;
        }
        if (join instanceof PoolJoin.TooManyPools tooMany) {
            log.info("c{} [{}] refused: pgmux has max_pools ({}) pools and none is unused", id, poolName(), tooMany.maxPools());
            fatal(ErrorResponse.fatal(SqlState.TOO_MANY_CONNECTIONS, "too many pools: pgmux allows "
                    + tooMany.maxPools() + " (max_pools), one per database and user, and every one is in use")
                    .withHint("Raise max_pools, or have clients share fewer user names."));
        } else {
            log.info("c{} [{}] refused: the database is no longer served", id, poolName());
            fatal(unknownDatabase());
        }
        return false;
    }

    private void openAdminConsole() {
        cancelLoginTimeout();
        flushClient(); // the console writes to the channel itself, after AuthenticationOk
        AdminConsole console = AdminConsole.open(context.control(), channel, id, user, database);
        if (console == null) {
            log.info("c{} [{}] refused: not an admin or stats user", id, poolName());
            fatal(AdminConsole.notAllowed(user));
            return;
        }
        state = new Admin(console);
        console.start(processId, secretKey);
    }

    /** Postgres keeps an application_name of printable ASCII under 64 bytes exactly as given. */
    private static boolean isPlainApplicationName(String name, String value) {
        return name.equalsIgnoreCase("application_name") && value.length() < 64
                && value.chars().allMatch(c -> c >= 32 && c < 127);
    }

    private void sendWelcome(ServerParameters welcome) {
        cancelLoginTimeout();
        welcome.reported().forEach((name, serverValue) -> {
            String value = parameters.get(name);
            writeToClient(new ParameterStatus(name, value != null ? value : serverValue));
        });
        writeToClient(new BackendKeyData(processId, secretKey));
        writeToClient(new ReadyForQuery(TransactionStatus.IDLE));
        flushClient();
        state = new Idle();
    }

    private void onLoginTimeout() {
        if (state instanceof AwaitingStartup || state instanceof Authenticating) {
            log.debug("c{} [{}] login did not complete within client_login_timeout; closing", id, poolName());
            fatal(ErrorResponse.fatal(SqlState.CONNECTION_FAILURE, "login did not complete within "
                    + Units.formatDuration(context.loginTimeout()) + " (client_login_timeout)"));
        }
    }

    // ---------------------------------------------------------------- logged in

    private void onSessionFrame(ByteBuf frame) {
        byte type = Frames.type(frame);
        try {
            if (!Frontend.isKnownType(type) || type == Frontend.PASSWORD) {
                throw new ProtocolException("invalid frontend message type " + Frames.describeType(type));
            }
            // Checked here, once: wherever the message is read later (queued, in a pipeline, on
            // the server's loop), its shape can no longer fail.
            FrontendFrameCheck.check(frame);
        } catch (ProtocolException malformed) {
            frame.release();
            onProtocolError(malformed);
            return;
        }
        if (state instanceof Idle) {
            onFrameWhileIdle(frame, type);
        } else if (state instanceof FailedUntilSync) {
            onFrameAfterLocalError(frame, type);
        } else if (state instanceof Waiting waiting) {
            waiting.pending().add(frame);
            if (waiting.pending().size() >= MAX_PENDING_WHILE_WAITING) {
                pauseReading(PAUSED_WAITING);
            }
        } else if (state instanceof Validating validating) {
            validating.pending().add(frame);
        } else if (state instanceof Linked linked) {
            forward(linked.link(), frame, type);
        } else {
            frame.release();
            throw new IllegalStateException("client frame in state " + state);
        }
    }

    private void onFrameWhileIdle(ByteBuf frame, byte type) {
        switch (type) {
            case Frontend.TERMINATE -> {
                frame.release();
                channel.close();
            }
            case Frontend.SYNC -> {
                // Nothing is pending: Postgres would answer an idle ReadyForQuery, and so can we.
                frame.release();
                writeToClient(new ReadyForQuery(TransactionStatus.IDLE));
            }
            case Frontend.FLUSH, Frontend.COPY_DATA, Frontend.COPY_DONE, Frontend.COPY_FAIL -> {
                // Nothing to flush; Postgres ignores copy messages outside COPY.
                frame.release();
            }
            default -> {
                LocalReplies.Outcome outcome;
                try {
                    outcome = localReplies.answer(frame, type);
                } catch (RuntimeException malformed) {
                    frame.release();
                    throw malformed;
                }
                if (outcome == LocalReplies.Outcome.ANSWERED_SKIP_TO_SYNC) {
                    state = new FailedUntilSync();
                } else if (outcome == LocalReplies.Outcome.NOT_ANSWERED) {
                    List<ByteBuf> pending = new ArrayList<>(4);
                    pending.add(frame);
                    startWaiting(pending, false);
                }
            }
        }
    }

    private void onFrameAfterLocalError(ByteBuf frame, byte type) {
        frame.release();
        if (type == Frontend.SYNC) {
            writeToClient(new ReadyForQuery(TransactionStatus.IDLE));
            state = new Idle();
        } else if (type == Frontend.TERMINATE) {
            channel.close();
        }
    }

    /**
     * Asks the pool for a server: one that is idle arrives at once (on this loop, within this call);
     * otherwise the client queues, and the pool fails it after {@code query_wait_timeout}.
     */
    private void startWaiting(List<ByteBuf> pending, boolean forWelcome) {
        state = new Waiting(pending, forWelcome);
        waitStartedNanos = System.nanoTime();
        pool.acquire(this);
    }

    /** A waiting client stops reading once it has queued this many messages: memory stays bounded. */
    private static final int MAX_PENDING_WHILE_WAITING = 16;

    @Override
    public void onAcquireFailed(ErrorResponse error) {
        if (!(state instanceof Waiting waiting)) {
            return;
        }
        pool.stats().onClientWaited(System.nanoTime() - waitStartedNanos);
        resumeReading(PAUSED_WAITING);
        if (waiting.forWelcome()) {
            waiting.pending().forEach(ReferenceCountUtil::release);
            fatal(error.withSeverity(ErrorResponse.FATAL));
            return;
        }
        LocalReplies.Failed failed = localReplies.failAll(waiting.pending(), error.isFatal() ? error.withSeverity(ErrorResponse.ERROR) : error);
        state = failed.skippingToSync() ? new FailedUntilSync() : new Idle();
        if (failed.terminated() || shuttingDown) {
            channel.close();
        }
        flushClient();
    }

    // ---------------------------------------------------------------- holding a server

    @Override
    public void onServerAssigned(ServerConnection server) {
        if (!(state instanceof Waiting waiting)) {
            // The client left while the pool was handing us this server: nothing was sent on it.
            pool.release(server);
            return;
        }
        pool.stats().onClientWaited(System.nanoTime() - waitStartedNanos);
        ServerLink link = new ServerLink(server, statements, replies, toServer, channel.alloc(), linkEvents);
        if (waiting.forWelcome()) {
            parameters.adoptDefaults(pool.welcomeParameters());
            state = new Validating(link, waiting.pending());
        } else {
            state = new Linked(link);
            cancelTarget = server;
        }
        Object settings = parameters.snapshot(pool::internSettings);
        if (!server.parameters().isInSyncWith(settings)) {
            ParameterSync sync = ParameterSync.between(parameters, server.parameters());
            if (sync.isEmpty()) {
                server.parameters().markInSyncWith(settings);
            } else {
                link.inject(InjectedQuery.parameterSync(sync, settings));
            }
        }
        if (state instanceof Validating) {
            sendToServer(link);
            if (link.isClean()) {
                finishValidation(link);
            }
            return;
        }
        List<ByteBuf> pending = waiting.pending();
        int i = 0;
        try {
            while (i < pending.size()) {
                ByteBuf frame = pending.get(i++);
                forward(link, frame, Frames.type(frame));
            }
        } catch (RuntimeException e) {
            // Called from the pool, maybe on behalf of another client: whatever went wrong stays this client's.
            for (; i < pending.size(); i++) {
                pending.get(i).release();
            }
            failWhileHolding(link, e);
            return;
        }
        sendToServer(link);
        resumeReading(PAUSED_WAITING);
    }

    /**
     * Handling this client's messages or its server's replies failed in a way pgmux did not
     * foresee (its messages are checked on arrival, so this is a bug): the client is told and
     * closed, and the server, whose state is now unknown, is closed, which frees its pool slot.
     * Nobody else pays for it, whichever loop or client this was called for.
     */
    private void failWhileHolding(ServerLink link, RuntimeException e) {
        log.error("c{} [{}] unexpected failure while holding server {}; closing both", id, poolName(), link.server, e);
        if (state instanceof Validating validating) {
            validating.pending().forEach(ReferenceCountUtil::release);
        }
        state = new Closed();
        cancelTarget = null;
        toServer.clear();
        link.discard();
        link.server.close();
        fatal(internalError(e));
    }

    private void forward(ServerLink link, ByteBuf frame, byte type) {
        if (type == Frontend.TERMINATE) {
            frame.release();
            channel.close();
            return;
        }
        bytesFromClient += frame.readableBytes();
        link.sendFromClient(frame, type);
    }

    private void sendToServer(ServerLink link) {
        if (link.isStalled()) {
            pauseReading(PAUSED_STALLED);
        } else {
            resumeReading(PAUSED_STALLED);
        }
        if (toServer.isEmpty()) {
            return;
        }
        link.server.send(toServer);
        if (!link.server.isWritable()) {
            pauseReading(PAUSED_SERVER_FULL);
        }
    }

    @Override
    public void onServerWritable(ServerConnection server) {
        if (state instanceof Linked linked && linked.link().server == server) {
            resumeReading(PAUSED_SERVER_FULL);
        }
    }

    @Override
    public void onServerFrames(ServerConnection server, List<ByteBuf> frames) {
        ServerLink link = linkOf(server);
        int i = 0;
        try {
            if (link == null) {
                log.debug("c{} dropped {} frames from server {} it no longer holds", id, frames.size(), server);
                return;
            }
            while (i < frames.size() && linkOf(server) == link) {
                link.onServerFrame(frames.get(i++));
            }
        } catch (RuntimeException e) {
            failWhileHolding(link, e);
            return;
        } finally {
            for (; i < frames.size(); i++) {
                frames.get(i).release();
            }
        }
        flushClient();
        if (linkOf(server) == link) {
            afterServerBatch(link);
        }
    }

    private ServerLink linkOf(ServerConnection server) {
        ServerLink link = null;
        if (state instanceof Linked linked) {
            link = linked.link();
        } else if (state instanceof Validating validating) {
            link = validating.link();
        } else if (state instanceof Abandoned abandoned) {
            link = abandoned.link();
        }
        return link != null && link.server == server ? link : null;
    }

    /** What the link reports, acted on in the session's state. */
    private final class LinkEvents implements ServerLink.Events {
        @Override
        public void toClient(ByteBuf frame) {
            if (state instanceof Linked) {
                bytesToClient += frame.readableBytes();
                toClient.write(frame);
            } else {
                frame.release();
            }
        }

        @Override
        public String clientSetting(String name) {
            return parameters.get(name);
        }

        @Override
        public void onClientParameterStatus(String name, String value) {
            parameters.onServerReport(name, value);
        }

        @Override
        public void onInjectedQueryDone(InjectedQuery query) {
            ServerLink link = linkOf(currentServer());
            if (link != null) {
                onInjectedDone(link, query);
            }
        }

        @Override
        public void onClientSettingChanged(SqlCommand command) {
            ServerConnection server = currentServer();
            switch (command.kind()) {
                case SET -> {
                    parameters.set(command.name(), command.value());
                    server.parameters().applied(command.name(), command.value());
                }
                case RESET -> {
                    parameters.reset(command.name());
                    server.parameters().reset(command.name());
                    tellStartupValues(command.name());
                }
                case RESET_ALL -> {
                    parameters.resetAll(false);
                    server.parameters().resetAll();
                    tellStartupValues(null);
                }
                case DISCARD_ALL -> {
                    parameters.resetAll(true);
                    server.parameters().resetApplied();
                    tellStartupValues(null);
                }
                default -> throw new IllegalArgumentException("not a setting change: " + command);
            }
        }

        private void tellStartupValues(String onlyName) {
            parameters.reportedStartupValues(onlyName).forEach((name, value) -> toClient(new ParameterStatus(name, value).encode(channel.alloc())));
        }

        @Override
        public void onQueryDone(long nanos) {
            pool.stats().onQuery(nanos);
        }

        @Override
        public void onErrorToClient(String sqlState) {
            pool.stats().onError(sqlState);
        }

        @Override
        public void onLostTrack(String what) {
            ServerLink link = linkOf(currentServer());
            log.error("c{} [{}] {}; closing the client and server {}", id, poolName(), what, link != null ? link.server : "-");
            state = new Closed();
            cancelTarget = null;
            if (link != null) {
                link.discard();
                link.server.close();
            }
            fatal(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "pgmux lost track of the server's replies; please reconnect"));
        }
    }

    private ServerConnection currentServer() {
        if (state instanceof Linked linked) {
            return linked.link().server;
        } else if (state instanceof Validating validating) {
            return validating.link().server;
        } else if (state instanceof Abandoned abandoned) {
            return abandoned.link().server;
        }
        return null;
    }

    private void onInjectedDone(ServerLink link, InjectedQuery query) {
        ErrorResponse error = query.error();
        switch (query.purpose()) {
            case PARAMETER_SYNC -> {
                if (error == null) {
                    query.sync().applyTo(link.server.parameters(), query.row());
                    link.server.parameters().markInSyncWith(query.settings());
                    if (state instanceof Validating) {
                        adoptNormalizedSettings(query.sync(), query.row());
                    }
                    return;
                }
                log.info("c{} [{}] server rejected the client's settings: {}", id, poolName(), error);
                if (state instanceof Validating v) {
                    pool.release(link.server);
                    state = new Closed();
                    v.pending().forEach(ReferenceCountUtil::release);
                    fatal(error.withSeverity(ErrorResponse.FATAL));
                } else if (state instanceof Linked) {
                    // The client's own messages already went out behind the failed sync: its settings are lost.
                    fatal(error.withSeverity(ErrorResponse.FATAL));
                }
            }
            case ROLLBACK, RESET -> {
                if (error != null) {
                    log.warn("c{} [{}] {} failed on server {}: {}; closing it", id, poolName(), query.purpose(), link.server, error);
                    link.server.close();
                }
            }
        }
    }

    private void adoptNormalizedSettings(ParameterSync sync, List<String> normalized) {
        int i = 0;
        for (Map.Entry<String, String> setting : sync.toSet().entrySet()) {
            String value = i < normalized.size() ? normalized.get(i) : setting.getValue();
            i++;
            pool.rememberAcceptedSetting(setting.getKey(), setting.getValue(), value);
            parameters.normalizeStartup(setting.getKey(), value);
        }
    }

    /** After a batch of server frames: give the server back if the link is clean, or apply backpressure. */
    private void afterServerBatch(ServerLink link) {
        if (state instanceof Linked) {
            sendToServer(link);
            boolean transactionMode = pool.settings().mode() == PoolMode.TRANSACTION;
            if (link.isClean() && (transactionMode || shuttingDown)) {
                if (link.takeSqlPrepared()) {
                    log.warn("c{} [{}] ran SQL PREPARE inside a larger query; deallocating it before server {} is shared",
                            id, poolName(), link.server);
                    link.inject(InjectedQuery.reset("DEALLOCATE ALL"));
                    sendToServer(link);
                    return;
                }
                releaseServer(link);
                state = link.errorSinceSync() ? new FailedUntilSync() : new Idle();
                if (shuttingDown) {
                    fatal(leaveReason);
                }
            } else if (transactionMode && link.canUnpin()) {
                // Only named statements were prepared or described: no need to keep the server until the client's Sync.
                link.unpin();
                sendToServer(link);
            } else if (!channel.isWritable() && !link.serverPaused) {
                link.serverPaused = true;
                link.server.pauseReading();
            }
        } else if (state instanceof Validating) {
            if (link.isClean()) {
                finishValidation(link);
            }
        } else if (state instanceof Abandoned) {
            if (link.isClean()) {
                releaseServer(link);
                state = new Closed();
            } else if (link.currentInjected() == null) {
                log.info("c{} [{}] server {} still not clean after cleanup; closing it", id, poolName(), link.server);
                link.server.close();
                state = new Closed();
            }
        }
    }

    private void finishValidation(ServerLink link) {
        Validating validating = (Validating) state;
        releaseServer(link);
        sendWelcome(pool.welcomeParameters());
        List<ByteBuf> pending = validating.pending();
        resumeReading(PAUSED_WAITING);
        for (int i = 0; i < pending.size(); i++) {
            onClientFrame(pending.get(i));
        }
        onClientReadComplete();
    }

    private void releaseServer(ServerLink link) {
        if (state instanceof Linked) {
            pool.stats().onTransaction(System.nanoTime() - link.linkedAtNanos);
        }
        cancelTarget = null;
        if (link.serverPaused) {
            link.serverPaused = false;
            link.server.resumeReading();
        }
        pool.release(link.server);
    }

    /**
     * The client left while holding a server. A clean server goes back (after the reset query in
     * session mode); one idle in a transaction is rolled back first; one in the middle of anything
     * else (a query, a COPY, a pipeline) is cancelled and closed, since its state cannot be known.
     */
    private void abandon(ServerLink link) {
        state = new Abandoned(link);
        String resetQuery = pool.settings().mode() == PoolMode.SESSION ? pool.settings().resetQuery() : "";
        boolean deallocate = link.takeSqlPrepared();
        if (link.isClean() && resetQuery.isEmpty() && !deallocate) {
            releaseServer(link);
            state = new Closed();
            return;
        }
        if (link.isClean() || link.needsOnlyRollback()) {
            if (link.inTransaction()) {
                link.inject(InjectedQuery.rollback());
            }
            if (deallocate) {
                link.inject(InjectedQuery.reset("DEALLOCATE ALL"));
            }
            if (!resetQuery.isEmpty()) {
                link.inject(InjectedQuery.reset(resetQuery));
            }
            link.server.send(toServer);
            return;
        }
        log.info("c{} [{}] left in the middle of a request; cancelling and closing server {}", id, poolName(), link.server);
        link.discard();
        link.server.cancel();
        link.server.close();
        state = new Closed();
    }

    @Override
    public void onServerClosed(ServerConnection server) {
        ServerLink link = linkOf(server);
        if (link == null) {
            return;
        }
        State previous = state;
        state = new Closed();
        cancelTarget = null;
        link.discard();
        if (previous instanceof Validating validating) {
            validating.pending().forEach(ReferenceCountUtil::release);
            fatal(ErrorResponse.fatal(SqlState.CONNECTION_FAILURE, "the server closed the connection while pgmux checked the client's settings"));
        } else if (previous instanceof Linked) {
            if (link.serverFatal) {
                channel.close();
            } else {
                fatal(ErrorResponse.fatal(SqlState.CONNECTION_FAILURE, "server connection lost: the server closed the connection unexpectedly")
                        .withHint("The transaction, if any, is lost; reconnect and retry."));
            }
        }
    }

    // ---------------------------------------------------------------- plumbing

    private void writeError(ErrorResponse error) {
        if (pool != null) {
            pool.stats().onError(error.sqlState());
        }
        writeToClient(error);
    }

    private void writeToClient(WireMessage message) {
        writeToClient(message.encode(channel.alloc()));
    }

    private void writeToClient(ByteBuf frame) {
        toClient.write(frame);
    }

    private void flushClient() {
        // Counted before the replies go: pgmux answers some Parses itself, and whoever reads the answer may ask SHOW STATS.
        reportCounts();
        toClient.flush();
    }

    /** Tells the pool what this session counted since the last time (once per batch, not per message). */
    private void reportCounts() {
        if (!statementCounts.isEmpty()) {
            statementCounts.moveTo(pool.stats());
        }
        if (bytesFromClient != 0 || bytesToClient != 0) {
            pool.stats().onBytesFromClient(bytesFromClient);
            pool.stats().onBytesToClient(bytesToClient);
            bytesFromClient = 0;
            bytesToClient = 0;
        }
    }

    /** Sends a FATAL error and closes the connection; cleanup happens in {@link #onClientClosed}. */
    private void fatal(ErrorResponse error) {
        fatalSent = true;
        if (channel.isActive()) {
            toClient.write(error.encode(channel.alloc()));
            toClient.flush();
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void pauseReading(int reason) {
        if (readPauses == 0) {
            channel.config().setAutoRead(false);
        }
        readPauses |= reason;
    }

    private void resumeReading(int reason) {
        if (readPauses == 0) {
            return;
        }
        readPauses &= ~reason;
        if (readPauses == 0) {
            channel.config().setAutoRead(true);
        }
    }

    private void cancelLoginTimeout() {
        cancelTimer(loginTimeout);
        loginTimeout = null;
    }

    private static void cancelTimer(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    private String poolName() {
        return pool != null ? ClientText.shorten(pool.key().toString(), 2 * ClientText.NAME_CHARS)
                : (database != null ? ClientText.name(database) + "/" + ClientText.name(user) : "-");
    }

    @Override
    public String toString() {
        return "c" + id;
    }
}
