package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.FrontendFrameCheck;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.WireMessage;
import io.pgmux.proxy.client.SessionState.Abandoned;
import io.pgmux.proxy.client.SessionState.Admin;
import io.pgmux.proxy.client.SessionState.AwaitingStartup;
import io.pgmux.proxy.client.SessionState.Authenticating;
import io.pgmux.proxy.client.SessionState.Closed;
import io.pgmux.proxy.client.SessionState.FailedUntilSync;
import io.pgmux.proxy.client.SessionState.Idle;
import io.pgmux.proxy.client.SessionState.Linked;
import io.pgmux.proxy.client.SessionState.Replicating;
import io.pgmux.proxy.client.SessionState.Validating;
import io.pgmux.proxy.client.SessionState.Waiting;
import io.pgmux.proxy.backend.Replication;
import io.pgmux.proxy.net.MessageChunk;
import io.pgmux.proxy.net.UnsentBytes;
import io.pgmux.proxy.net.WriteBatcher;
import io.pgmux.proxy.pool.Pool;
import io.pgmux.proxy.util.ClientText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client connection, from its startup packet to its last byte. Everything here runs on the
 * client's event loop: client frames, frames of the server it holds (handed over by the server's
 * loop), pool callbacks and timers. The Netty handler only does I/O and calls the {@code on*}
 * events; every state change happens in them. Each state's events go to the part that owns it:
 * the login (startup packet to welcome) is {@link ClientLogin}'s; the messages of a client holding
 * no server (Idle, FailedUntilSync, and queued while Waiting or Validating) are
 * {@link MessagesWithoutServer}'s; the server the session holds is {@link ServerHold}'s (which also
 * waits for it in the pool's queue and hears from it); a FATAL error or a leave is
 * {@link SessionEnd}'s. They change the state only through {@link #moveTo}.
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
 *
 *  Authenticating ──ok, replication=true|database──▶ Replicating (a server of its own, bytes passed through: ReplicationLink)
 * </pre>
 *
 * Every state but Closed goes to Closed: the client disconnects, gets a FATAL error, or loses its
 * server. Every change goes through {@link #moveTo}, which refuses a pair that the table in
 * {@link SessionState} (this diagram as data) does not list. The limits a connection meets before
 * and after its login are {@link ClientLogin}'s.
 */
public final class ClientSession {
    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);

    private static final AtomicLong IDS = new AtomicLong();

    private final long id = IDS.incrementAndGet();
    private final long connectedAtMillis = System.currentTimeMillis();
    private final long connectedAtNanos = System.nanoTime();
    private final Channel channel;
    private final ProxyContext context;
    private final WriteBatcher toClient;
    private SessionState state = SessionState.AWAITING_STARTUP;
    /** When the state last changed (nanoTime): an Idle client has been idle since then. */
    private long stateSinceNanos = connectedAtNanos;
    private boolean countedInPool;
    private final ClientLogin login;
    private final ClientTls tls;
    private final ServerHold hold;
    private final SessionEnd end;
    private final ReadPauses readPauses;
    private Pool pool;
    /** The client's settings, from the moment it joined its pool. */
    private ClientParameters parameters;
    private StatementContext statements;
    /** Its messages while it holds no server; made when it joined a pool. */
    private MessagesWithoutServer withoutServer;
    /** The session features it holds under transaction pooling; made when it joined a pool. */
    private SessionFeatureGate sessionFeatures;
    private int processId;
    private int secretKey;
    private long waitStartedNanos;
    /** When the client last sent something (nanoTime, once per read). */
    private long lastClientReadNanos;
    /** Named statements prepared and bound since the pool's counters were last told (once per batch, not per message). */
    private final StatementCounts statementCounts = new StatementCounts();
    /** Which of the {@link SessionRegistry}'s counts the session is in; only the registry changes it. */
    private SessionRegistry.Counted counted = SessionRegistry.Counted.NOWHERE;
    /** Whether the registry counts it under its login's database and user; only the registry changes it. */
    private boolean countedByName;

    public ClientSession(Channel channel, ProxyContext context) {
        this.channel = channel;
        this.toClient = new WriteBatcher(channel);
        this.context = context;
        this.login = new ClientLogin(this, channel, context);
        this.tls = new ClientTls(this, channel, context);
        this.readPauses = new ReadPauses(channel);
        this.hold = new ServerHold(this, login, channel, toClient, readPauses);
        this.end = new SessionEnd(this, channel, readPauses, toClient, hold);
    }

    /** {@code max_message_size} as configured now. */
    int maxMessageSize() {
        return context.config().maxMessageSize();
    }

    /** The session's event loop, where everything about it runs. */
    public EventExecutor executor() {
        return channel.eventLoop();
    }

    SessionState state() {
        return state;
    }

    /** The one place the state changes: a change {@link SessionState#check} does not list throws. */
    void moveTo(SessionState next) {
        state = SessionState.check(state, next);
        stateSinceNanos = System.nanoTime();
    }

    int processId() {
        return processId;
    }

    SessionRegistry.Counted counted() {
        return counted;
    }

    void counted(SessionRegistry.Counted counted) {
        this.counted = counted;
    }

    boolean countedByName() {
        return countedByName;
    }

    void countedByName(boolean counted) {
        this.countedByName = counted;
    }

    /** The user of the startup packet, or null before it. */
    String user() {
        return login.user();
    }

    /** The database of the startup packet, or null before it. */
    String database() {
        return login.database();
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
        tls.watchForDirectTls();
        login.onConnected();
    }

    /** The connection's TLS handshake ended (see {@link ClientTls}). */
    public void onTlsHandshake(ChannelHandlerContext ctx, SslHandshakeCompletionEvent event) {
        tls.onHandshake(ctx, event);
    }

    ClientTls tls() {
        return tls;
    }

    public void onClientFrame(ByteBuf frame) {
        if (end.fatalSent()) {
            frame.release(); // the rest of a read that ended in a FATAL error: nothing more is acted on
        } else if (state instanceof AwaitingStartup) {
            login.onStartupPacket(frame);
        } else if (state instanceof Authenticating authenticating) {
            login.onPasswordFrame(authenticating, frame);
        } else if (state instanceof Admin admin) {
            admin.console().onFrame(frame);
        } else if (state instanceof Replicating replicating) {
            replicating.link().fromClient(frame);
        } else if (state instanceof Closed || state instanceof Abandoned) {
            frame.release();
        } else {
            onSessionFrame(frame);
        }
    }

    /** More of the client's message whose head came last (CopyData or Query, see {@link #canStream}): it follows the head. */
    public void onClientChunk(MessageChunk chunk) {
        if (!end.fatalSent() && state instanceof Linked linked) {
            hold.forwardChunk(linked.link(), chunk);
        } else {
            chunk.release();
        }
    }

    /**
     * Whether a large CopyData or Query of this {@code type} that is still arriving can go to the
     * server chunk by chunk: while the client holds a server and none of its messages waits (then
     * the head goes straight to the server's outbox, and its chunks after it), and for a Query also
     * while the client is idle (its head waits for a server with the client's reading paused, see
     * {@link MessagesWithoutServer#onFrameWhileIdle}). Otherwise it is read whole, within {@code max_message_size}.
     */
    boolean canStream(int type) {
        if (end.fatalSent()) {
            return false;
        }
        return type == Frontend.QUERY && state instanceof Idle || state instanceof Linked linked && !linked.link().isStalled();
    }

    public void onClientReadComplete() {
        lastClientReadNanos = System.nanoTime();
        if (state instanceof Linked linked) {
            hold.sendToServer(linked.link());
        } else if (state instanceof Replicating replicating) {
            replicating.link().onClientReadComplete();
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
            readPauses.pause(ReadPauses.CLIENT_FULL);
            return;
        }
        readPauses.resume(ReadPauses.CLIENT_FULL);
        if (state instanceof Linked linked) {
            linked.link().reading.resume(); // the client drained: the server's replies may come again
        } else if (state instanceof Replicating replicating) {
            replicating.link().onClientWritable();
        }
    }

    /** The client broke the protocol: one log line, a FATAL error, and the connection closes. Later reports are ignored. */
    public void onProtocolError(ProtocolException e) {
        end.onProtocolError(e);
    }

    /** Something pgmux did not foresee failed on this client's behalf: a bug, which costs this client only. */
    public void onUnexpectedFailure(RuntimeException e) {
        end.onUnexpectedFailure(e);
    }

    /**
     * A buffer for this client's data could not be had (direct memory is exhausted, e.g. by large
     * messages): the client is told so, truthfully, and closed; the server it held is handled as
     * when a client leaves.
     */
    public void onOutOfMemory(OutOfMemoryError e) {
        end.onOutOfMemory(e);
    }

    /** The client's connection is gone (it left, was killed, or pgmux closed it). */
    public void onClientClosed() {
        login.cancelTimeout();
        SessionState previous = state;
        if (previous instanceof Validating validating) {
            validating.pending().forEach(ReferenceCountUtil::release);
            hold.abandon(validating.link());
        } else if (previous instanceof Linked linked) {
            hold.abandon(linked.link());
        } else if (!(previous instanceof Closed)) {
            moveTo(SessionState.CLOSED);
        }
        if (previous instanceof Waiting waiting) {
            waiting.pending().forEach(ReferenceCountUtil::release);
            waiting.pending().clear();
            // If the pool already picked us, the server arrives later and goes straight back.
            pool.cancelWait(hold);
        } else if (previous instanceof Admin admin) {
            admin.console().onClosed();
        } else if (previous instanceof Replicating replicating) {
            replicating.link().onClientGone(pool);
        }
        if (countedInPool) {
            reportCounts();
            pool.onClientLeft();
        }
        hold.forget();
        if (sessionFeatures != null) {
            sessionFeatures.onClientGone();
        }
        toClient.discard();
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
        end.onShutdown();
    }

    boolean shuttingDown() {
        return end.shuttingDown();
    }

    /** Tells the client why pgmux ends its session (shutting down, database gone) and closes it. */
    void leave() {
        end.leave();
    }

    /** Like {@link #onShutdown}, with another reason: the client's database is no longer served. */
    public void closeWhenIdle(ErrorResponse reason) {
        end.closeWhenIdle(reason);
    }

    /** Sends {@code reason} and closes the connection now, whatever the client is doing (KILL, KILL_CLIENT). */
    public void kill(ErrorResponse reason) {
        end.fatal(reason);
    }

    // ---------------------------------------------------------------- timeouts

    /**
     * Called on the session's loop by the periodic sweep ({@link SessionRegistry#checkTimeouts}):
     * ends the session, with an error that names the setting, if a peer has stopped answering for
     * longer than {@code timeouts} allow (see {@link SessionTimeouts}).
     */
    public void checkTimeouts(long nowNanos, UserTimeouts timeouts) {
        ErrorResponse expired = end.fatalSent() ? null : SessionTimeouts.expired(this, hold, nowNanos, timeouts);
        if (expired != null) {
            fatal(expired);
        }
    }

    /** When the state last changed (nanoTime): an Idle client has been idle since then. */
    long stateSinceNanos() {
        return stateSinceNanos;
    }

    /** When the client last sent something (nanoTime). */
    long lastClientReadNanos() {
        return lastClientReadNanos;
    }

    // ---------------------------------------------------------------- read on the session's loop, for the admin console

    /** Whether the client's connection is still open (false once its socket is closed; any thread may ask). */
    public boolean connected() {
        return channel.isActive();
    }

    /** Whether the session is on its way out: a FATAL went to the client or its socket is closed (on its loop). */
    public boolean closing() {
        return end.fatalSent() || !connected();
    }

    public long id() {
        return id;
    }

    /** The pool this client uses, or null (before login, on the admin console). */
    public Pool pool() {
        return pool;
    }

    public ClientInfo describe() {
        String shown = ClientInfo.stateName(state);
        long waitNanos = shown.equals("waiting") ? System.nanoTime() - waitStartedNanos : 0;
        long serverId = state instanceof Linked linked ? linked.link().server().id()
                : state instanceof Replicating replicating && replicating.link().relaying() ? replicating.link().server().id() : -1;
        long requestAtMillis = waitStartedNanos == 0 ? connectedAtMillis
                : connectedAtMillis + (waitStartedNanos - connectedAtNanos) / 1_000_000;
        String applicationName = login.parameters() != null ? login.parameters().get("application_name") : null;
        return new ClientInfo(id, login.user(), login.database(), shown, channel.remoteAddress(), channel.localAddress(),
                connectedAtMillis, requestAtMillis, waitNanos, serverId, applicationName != null ? applicationName : "",
                statements != null ? statements.client().size() : 0, sessionFeatures != null ? sessionFeatures.reasons() : "",
                tls.shown(), login.admittedBy(), unsentBytes(), login.replication().shown());
    }

    /** What was written to the client and not sent yet: SUSPEND waits until it is none. */
    public long unsentBytes() {
        return UnsentBytes.of(channel);
    }

    /**
     * SUSPEND: the client is not read until {@link #resumeReading}. Only a client in a pool is
     * paused here; one still logging in is paused at its welcome ({@link ClientLogin#sendWelcome}),
     * and the admin console goes on.
     */
    public void suspendReading() {
        if (pool != null && !end.fatalSent()) {
            readPauses.pause(ReadPauses.SUSPENDED);
        }
    }

    /** RESUME after SUSPEND. */
    public void resumeReading() {
        readPauses.resume(ReadPauses.SUSPENDED);
    }

    /** Closes the connection at once (shutdown timeout passed). */
    public void forceClose() {
        channel.close();
    }

    /**
     * A CancelRequest carrying this session's key arrived: forward it to the server held now, if any;
     * {@code done} runs once Postgres has answered it (at once when nothing is sent).
     */
    void forwardCancel(Runnable done) {
        if (state instanceof Replicating replicating && replicating.link().relaying()) {
            log.info("c{} [{}] cancel request forwarded to replication server {}", id, poolName(), replicating.link().server());
            replicating.link().server().cancel(done);
            return;
        }
        hold.forwardCancel(done);
    }

    // ---------------------------------------------------------------- logged in

    /** The client's settings; null until it joined a pool. */
    ClientParameters parameters() {
        return parameters;
    }

    StatementContext statements() {
        return statements;
    }

    /** The client's session features; null until it joined a pool. */
    SessionFeatureGate sessionFeatures() {
        return sessionFeatures;
    }

    ClientLogin login() {
        return login;
    }

    /**
     * A replication client logged in: it waits for a server of its own, opened with its
     * {@code startup} parameters, and then passes bytes through (see {@link ReplicationLink}).
     */
    void startReplication(Replication kind, Map<String, String> startup) {
        ReplicationLink link = new ReplicationLink(this, channel, toClient, readPauses, kind);
        moveTo(new Replicating(link));
        waitStartedNanos = System.nanoTime();
        link.start(pool, startup);
    }

    /** The login counted the client in {@code pool}: from now on the session works with it. */
    void joined(Pool pool, ClientParameters parameters) {
        this.pool = pool;
        this.parameters = parameters;
        countedInPool = true;
        statements = StatementContext.forClientOf(pool, parameters.get("search_path"), statementCounts);
        withoutServer = new MessagesWithoutServer(this, channel, readPauses, pool,
                new LocalReplies(statements, toClient, pool.stats(), channel.alloc()));
        sessionFeatures = new SessionFeatureGate(this, pool);
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
            withoutServer.onFrameWhileIdle(frame, type);
        } else if (state instanceof FailedUntilSync) {
            withoutServer.onFrameAfterLocalError(frame, type);
        } else if (state instanceof Waiting waiting) {
            withoutServer.onFrameWhileWaiting(waiting.pending(), frame);
        } else if (state instanceof Validating validating) {
            withoutServer.onFrameWhileWaiting(validating.pending(), frame);
        } else if (state instanceof Linked linked) {
            hold.forward(linked.link(), frame, type);
        } else {
            frame.release();
            throw new IllegalStateException("client frame in state " + state);
        }
    }

    /**
     * Asks the pool for a server: one that is idle arrives at once (on this loop, within this call,
     * or just after it when this runs inside another hand-over, see {@code HandOvers}); otherwise
     * the client queues, and the pool fails it after {@code query_wait_timeout}.
     */
    void startWaiting(Waiting waiting) {
        moveTo(waiting);
        waitStartedNanos = System.nanoTime();
        pool.acquire(hold);
    }

    /** When the session last asked the pool for a server (nanoTime; 0 = never). */
    long waitStartedNanos() {
        return waitStartedNanos;
    }

    /** The pool could not give the waiting session a server ({@link ServerHold} waits in its queue). */
    void onAcquireFailed(ErrorResponse error) {
        if (state instanceof Waiting waiting) {
            withoutServer.onAcquireFailed(waiting, error);
        }
    }

    // ---------------------------------------------------------------- plumbing

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
        hold.reportBytes(pool);
        if (state instanceof Replicating replicating) {
            replicating.link().reportBytes(pool);
        }
    }

    /** See {@link SessionEnd#fatal}. */
    void fatal(ErrorResponse error) {
        end.fatal(error);
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
