package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.FrontendFrameCheck;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.ParameterStatus;
import io.pgmux.protocol.message.ReadyForQuery;
import io.pgmux.protocol.message.WireMessage;
import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.client.SessionState.Abandoned;
import io.pgmux.proxy.client.SessionState.Admin;
import io.pgmux.proxy.client.SessionState.AwaitingStartup;
import io.pgmux.proxy.client.SessionState.Authenticating;
import io.pgmux.proxy.client.SessionState.Closed;
import io.pgmux.proxy.client.SessionState.FailedUntilSync;
import io.pgmux.proxy.client.SessionState.Idle;
import io.pgmux.proxy.client.SessionState.Linked;
import io.pgmux.proxy.client.SessionState.Validating;
import io.pgmux.proxy.client.SessionState.Waiting;
import io.pgmux.proxy.config.PoolMode;
import io.pgmux.proxy.net.FrameDecoder;
import io.pgmux.proxy.net.Outbox;
import io.pgmux.proxy.net.WriteBatcher;
import io.pgmux.proxy.pool.Pool;
import io.pgmux.proxy.pool.Waiter;
import io.pgmux.proxy.prepared.ClientStatements;
import io.pgmux.proxy.sql.SqlCommand;
import io.pgmux.proxy.util.ClientText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client connection, from its startup packet to its last byte. Everything here runs on the
 * client's event loop: client frames, frames of the server it holds (handed over by the server's
 * loop), pool callbacks and timers. The Netty handler only does I/O and calls the {@code on*}
 * events; every state change happens in them.
 *
 * <pre>
 *  AwaitingStartup ──StartupMessage──▶ Authenticating ──ok, console database and user──▶ Admin
 *                                            │
 *                                            ├──ok, welcome known────────────────────────────────────────────────┐
 *                                            │                                                                   ▼
 *                                            └──ok, settings to check──▶ Waiting(welcome) ──▶ Validating ──checked──▶ Idle
 *                                                                                                │
 *                                                                                                └──client gone──▶ Abandoned
 *
 *  Idle ──Query/Parse/...──▶ Waiting ──server assigned──▶ Linked ──ReadyForQuery 'I', nothing owed──▶ Idle
 *   │                          │                            │ └──the same, after an error, before the Sync──▶ FailedUntilSync
 *   │                          └──no server in time──▶ Idle or FailedUntilSync
 *   │                                                       └──client gone──▶ Abandoned ──server clean or closed──▶ Closed
 *   └──error answered locally──▶ FailedUntilSync ──Sync──▶ Idle
 * </pre>
 *
 * Every state but Closed goes to Closed: the client disconnects, gets a FATAL error, or loses its
 * server. Every change goes through {@link #moveTo}, which refuses a pair that the table in
 * {@link SessionState} (this diagram as data) does not list.
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
    private static final ErrorResponse SHUTTING_DOWN = ErrorResponse.fatal(SqlState.ADMIN_SHUTDOWN, "pgmux is shutting down");

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
    private SessionState state = SessionState.AWAITING_STARTUP;
    /** A FATAL error went to the client and the connection is closing: its further messages are dropped. */
    private boolean fatalSent;
    private boolean shuttingDown;
    private ErrorResponse leaveReason = SHUTTING_DOWN;
    private boolean countedInPool;
    private int readPauses;
    private final ClientLogin login;
    private Pool pool;
    /** The client's settings, from the moment it joined its pool. */
    private ClientParameters parameters;
    private StatementContext statements;
    private LocalReplies localReplies;
    private final LinkEvents linkEvents = new LinkEvents();
    private int processId;
    private int secretKey;
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
        this.login = new ClientLogin(this, channel, context);
    }

    @Override
    public EventExecutor executor() {
        return channel.eventLoop();
    }

    SessionState state() {
        return state;
    }

    /** The one place the state changes: a change {@link SessionState#check} does not list throws. */
    void moveTo(SessionState next) {
        state = SessionState.check(state, next);
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
        login.onConnected();
    }

    public void onClientFrame(ByteBuf frame) {
        if (fatalSent) {
            frame.release(); // the rest of a read that ended in a FATAL error: nothing more is acted on
        } else if (state instanceof AwaitingStartup) {
            login.onStartupPacket(frame);
        } else if (state instanceof Authenticating authenticating) {
            login.onPasswordFrame(authenticating, frame);
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

    public void onClientWritabilityChanged() {
        if (channel.isWritable() && state instanceof Linked linked && linked.link().serverPaused) {
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

    /**
     * A buffer for this client's data could not be had (direct memory is exhausted, e.g. by large
     * messages): the client is told so, truthfully, and closed; the server it held is handled as
     * when a client leaves.
     */
    public void onOutOfMemory(OutOfMemoryError e) {
        log.warn("c{} [{}] out of memory for this client's data, closing it: {}", id, poolName(), e.getMessage());
        fatal(ErrorResponse.fatal(SqlState.OUT_OF_MEMORY, "out of memory: pgmux could not allocate a buffer for this session's data")
                .withHint("Lower max_message_size or the size of the largest messages, or give pgmux more memory (-XX:MaxDirectMemorySize)."));
    }

    private static ErrorResponse internalError(RuntimeException e) {
        return ErrorResponse.fatal(SqlState.INTERNAL_ERROR, "pgmux failed to handle this session: " + e)
                .withHint("This is a bug in pgmux; please report it. Reconnect to go on.");
    }

    /** The client's connection is gone (it left, was killed, or pgmux closed it). */
    public void onClientClosed() {
        login.cancelTimeout();
        SessionState previous = state;
        if (previous instanceof Validating validating) {
            validating.pending().forEach(ReferenceCountUtil::release);
            abandon(validating.link());
        } else if (previous instanceof Linked linked) {
            abandon(linked.link());
        } else if (!(previous instanceof Closed)) {
            moveTo(SessionState.CLOSED);
        }
        if (previous instanceof Waiting waiting) {
            waiting.pending().forEach(ReferenceCountUtil::release);
            // If the pool already picked us, the server arrives later and goes straight back.
            pool.cancelWait(this);
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
        if (login.user() != null) {
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
        String applicationName = login.parameters() != null ? login.parameters().get("application_name") : null;
        return new ClientInfo(id, login.user(), login.database(), shown, channel.remoteAddress(), channel.localAddress(),
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

    // ---------------------------------------------------------------- logged in

    /** The login counted the client in {@code pool}: from now on the session works with it. */
    void joined(Pool pool, ClientParameters parameters) {
        this.pool = pool;
        this.parameters = parameters;
        countedInPool = true;
        statements = new StatementContext(pool.settings().preparedStatements(), pool.settings().mode(),
                new ClientStatements(pool.statements()), pool.statements(), pool.settings().maxPreparedPerServer(),
                pool.settings().maxPreparedPerClient(), parameters.get("search_path"), statementCounts);
        localReplies = new LocalReplies(statements, toClient, pool.stats(), channel.alloc());
    }

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
            if (validating.pending().size() >= MAX_PENDING_WHILE_WAITING) {
                pauseReading(PAUSED_WAITING);
            }
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
                    moveTo(SessionState.FAILED_UNTIL_SYNC);
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
            moveTo(SessionState.IDLE);
        } else if (type == Frontend.TERMINATE) {
            channel.close();
        }
    }

    /**
     * Asks the pool for a server: one that is idle arrives at once (on this loop, within this call,
     * or just after it when this runs inside another hand-over, see {@code HandOvers}); otherwise
     * the client queues, and the pool fails it after {@code query_wait_timeout}.
     */
    void startWaiting(List<ByteBuf> pending, boolean forWelcome) {
        moveTo(new Waiting(pending, forWelcome));
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
        moveTo(failed.skippingToSync() ? SessionState.FAILED_UNTIL_SYNC : SessionState.IDLE);
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
            moveTo(new Validating(link, waiting.pending()));
        } else {
            moveTo(new Linked(link));
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
        ErrorResponse error;
        if (e instanceof ProtocolException violation) {
            // a message that arrived in order but broke the protocol once its turn came (e.g. a Query during COPY)
            log.info("c{} [{}] protocol violation: {}; closing server {}", id, poolName(), violation.getMessage(), link.server);
            error = ErrorResponse.fatal(violation.sqlState(), violation.getMessage());
        } else {
            log.error("c{} [{}] unexpected failure while holding server {}; closing both", id, poolName(), link.server, e);
            error = internalError(e);
        }
        if (state instanceof Validating validating) {
            validating.pending().forEach(ReferenceCountUtil::release);
        }
        if (!(state instanceof Closed)) { // the failure may come after the session already closed itself
            moveTo(SessionState.CLOSED);
        }
        cancelTarget = null;
        toServer.clear();
        link.discard();
        link.server.close();
        fatal(error);
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
            moveTo(SessionState.CLOSED);
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
                        login.adoptNormalizedSettings(pool, query.sync(), query.row());
                    }
                    return;
                }
                log.info("c{} [{}] server rejected the client's settings: {}", id, poolName(), error);
                if (state instanceof Validating v) {
                    pool.release(link.server);
                    moveTo(SessionState.CLOSED);
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
                moveTo(link.errorSinceSync() ? SessionState.FAILED_UNTIL_SYNC : SessionState.IDLE);
                if (shuttingDown) {
                    fatal(leaveReason);
                }
            } else if (transactionMode && link.canUnpin()) {
                // Only named statements were prepared or described: no need to keep the server until the client's Sync.
                link.unpin();
                sendToServer(link);
            } else if (!channel.isWritable() && channel.isActive() && !link.serverPaused) {
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
                moveTo(SessionState.CLOSED);
            } else if (link.currentInjected() == null) {
                log.info("c{} [{}] server {} still not clean after cleanup; closing it", id, poolName(), link.server);
                link.server.close();
                moveTo(SessionState.CLOSED);
            }
        }
    }

    private void finishValidation(ServerLink link) {
        Validating validating = (Validating) state;
        releaseServer(link);
        login.sendWelcome(pool.welcomeParameters());
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
        resumeServerReading(link);
        pool.release(link.server);
    }

    private static void resumeServerReading(ServerLink link) {
        if (link.serverPaused) {
            link.serverPaused = false;
            link.server.resumeReading();
        }
    }

    /**
     * The client left while holding a server. A clean server goes back (after the reset query in
     * session mode); one idle in a transaction is rolled back first; one in the middle of anything
     * else (a query, a COPY, a pipeline) is cancelled and closed, since its state cannot be known.
     */
    private void abandon(ServerLink link) {
        moveTo(new Abandoned(link));
        // Reading may have been paused for the client's sake (its channel is not writable once it is closing):
        // the replies to pgmux's own cleanup must still come in.
        resumeServerReading(link);
        String resetQuery = pool.settings().mode() == PoolMode.SESSION ? pool.settings().resetQuery() : "";
        boolean deallocate = link.takeSqlPrepared();
        if (link.isClean() && resetQuery.isEmpty() && !deallocate) {
            releaseServer(link);
            moveTo(SessionState.CLOSED);
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
        moveTo(SessionState.CLOSED);
    }

    @Override
    public void onServerClosed(ServerConnection server) {
        ServerLink link = linkOf(server);
        if (link == null) {
            return;
        }
        SessionState previous = state;
        moveTo(SessionState.CLOSED);
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

    void writeToClient(WireMessage message) {
        writeToClient(message.encode(channel.alloc()));
    }

    void writeToClient(ByteBuf frame) {
        toClient.write(frame);
    }

    void flushClient() {
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
    void fatal(ErrorResponse error) {
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

    String poolName() {
        return pool != null ? ClientText.shorten(pool.key().toString(), 2 * ClientText.NAME_CHARS)
                : (login.database() != null ? ClientText.name(login.database()) + "/" + ClientText.name(login.user()) : "-");
    }

    @Override
    public String toString() {
        return "c" + id;
    }
}
