package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.ParameterStatus;
import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.client.SessionState.Abandoned;
import io.pgmux.proxy.client.SessionState.Closed;
import io.pgmux.proxy.client.SessionState.Linked;
import io.pgmux.proxy.client.SessionState.Validating;
import io.pgmux.proxy.client.SessionState.Waiting;
import io.pgmux.proxy.config.PoolMode;
import io.pgmux.proxy.config.Units;
import io.pgmux.proxy.net.MessageChunk;
import io.pgmux.proxy.net.Outbox;
import io.pgmux.proxy.net.WriteBatcher;
import io.pgmux.proxy.pool.Pool;
import io.pgmux.proxy.pool.PoolStats;
import io.pgmux.proxy.pool.Waiter;
import io.pgmux.proxy.sql.SqlCommand;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;

/**
 * The server side of a {@link ClientSession}: taking the server the pool assigned, forwarding the
 * client's messages to it, acting on its replies, and giving it back (clean), cleaning it up (the
 * client left) or closing it (its state is unknown). It runs on the session's loop, reads the
 * session's state and changes it only through {@link ClientSession#moveTo}; the server it holds is
 * the link in the Validating, Linked or Abandoned state. It is what waits in the pool's queue for
 * the session, and then the server's listener; a failed wait is the session's to answer.
 */
final class ServerHold implements Waiter {
    /** A client's lines stay under one name, whichever part of the session writes them. */
    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);
    /** PgBouncer's words, which clients such as PostgREST recognise. */
    static final String TRANSACTION_BLOCKS_REFUSED = "transaction blocks not allowed in statement pooling mode";

    private final ClientSession session;
    private final ClientLogin login;
    private final Channel channel;
    private final WriteBatcher toClient;
    private final ReadPauses readPauses;
    private final Outbox toServer = new Outbox();
    /** What the held server owes; one queue for the session's life, empty whenever it holds no server. */
    private final ReplyQueue replies = new ReplyQueue();
    private final LinkEvents linkEvents = new LinkEvents();
    /**
     * The session's link to the server it holds, made when it first gets one and attached to each
     * server after: what it builds depends on the client only. It is the held server's only while
     * the session's state carries it ({@link #currentLink}).
     */
    private ServerLink sessionLink;
    /** The Linked state that holds {@link #sessionLink}, made with it: the same link at every assignment. */
    private Linked linked;
    /** Chunks of a client's message went into the outbox since it was last sent. */
    private boolean chunksToSend;
    /** Bytes forwarded since the pool's counters were last told (once per batch, not per message). */
    private long bytesFromClient;
    private long bytesToClient;
    /**
     * The head of a server message whose body follows in chunks (a large row) went to the client:
     * until its last chunk nothing else may be written to the client, not even an error.
     */
    private boolean midMessageToClient;
    /** The head of a streamed message that ends the server batch being handled, if any (only a batch's last frame can be one). */
    private ByteBuf headInBatch;
    /** The server to cancel on this client's behalf: read by the cancel path, from any loop. */
    private volatile ServerConnection cancelTarget;
    /** When pgmux last cancelled the held server's request for {@code query_timeout} (nanoTime; 0 = never). */
    private long timeoutCancelAtNanos;

    ServerHold(ClientSession session, ClientLogin login, Channel channel, WriteBatcher toClient, ReadPauses readPauses) {
        this.session = session;
        this.login = login;
        this.channel = channel;
        this.toClient = toClient;
        this.readPauses = readPauses;
    }

    /**
     * A cancel request for this client goes to the server it holds now, if any (see {@link #cancelTarget});
     * {@code done} runs once Postgres has answered it, or at once when nothing is sent.
     */
    void forwardCancel(Runnable done) {
        ServerConnection server = cancelTarget;
        if (server != null) {
            log.info("c{} [{}] cancel request forwarded to server {}", session.id(), session.poolName(), server);
            server.cancel(done);
        } else {
            log.debug("c{} [{}] cancel request while holding no server; ignored", session.id(), session.poolName());
            done.run();
        }
    }

    /** The client has part of a message: anything written now would be read as the rest of it. */
    boolean midMessageToClient() {
        return midMessageToClient;
    }

    /** The client is gone: nothing more goes to a server on its behalf. */
    void forget() {
        toServer.clear();
        cancelTarget = null;
    }

    /** Tells the pool the bytes counted since the last time, if any (none before the session joined a pool). */
    void reportBytes(Pool pool) {
        if (bytesFromClient != 0 || bytesToClient != 0) {
            PoolStats stats = pool.stats();
            stats.onBytesFromClient(bytesFromClient);
            stats.onBytesToClient(bytesToClient);
            bytesFromClient = 0;
            bytesToClient = 0;
        }
    }

    @Override
    public EventExecutor executor() {
        return session.executor();
    }

    @Override
    public void onAcquireFailed(ErrorResponse error) {
        session.onAcquireFailed(error);
    }

    /**
     * {@code query_wait_notify}: a logged-in client still queued for a server is told so with a
     * NOTICE (its query goes on waiting); one waiting for its welcome is not logged in yet, and is not.
     */
    @Override
    public void onLongWait() {
        if (session.state() instanceof Waiting waiting && !waiting.forWelcome() && channel.isActive()) {
            ByteBuf notice = channel.alloc().buffer();
            ErrorResponse.of(ErrorResponse.NOTICE, SqlState.SUCCESSFUL_COMPLETION, "pgmux: every server connection of pool "
                    + session.poolName() + " is in use; this query is queued until one is free").encodeAsNotice(notice);
            session.writeToClient(notice);
            session.flushClient();
        }
    }

    // ---------------------------------------------------------------- taking a server

    @Override
    public void onServerAssigned(ServerConnection server) {
        if (!(session.state() instanceof Waiting waiting)) {
            // The client left while the pool was handing us this server: nothing was sent on it.
            session.pool().release(server);
            return;
        }
        session.pool().stats().onClientWaited(System.nanoTime() - session.waitStartedNanos());
        if (!waiting.forWelcome()) {
            // A server that only checks the client's startup settings is not the client's: PgBouncer counts no assignment.
            session.pool().stats().onServerAssigned();
        }
        take(server, waiting);
    }

    /** The pool assigned {@code server} to the session, which was {@code waiting} for it. */
    private void take(ServerConnection server, Waiting waiting) {
        Pool pool = session.pool();
        ClientParameters parameters = session.parameters();
        if (sessionLink == null) {
            sessionLink = new ServerLink(session.statements(), replies, toServer, channel.alloc(), linkEvents);
            linked = new Linked(sessionLink);
        }
        ServerLink link = sessionLink.attach(server);
        midMessageToClient = false;
        if (waiting.forWelcome()) {
            parameters.adoptDefaults(pool.welcomeParameters());
            session.moveTo(new Validating(link, waiting.pending()));
        } else {
            session.moveTo(linked);
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
        if (session.state() instanceof Validating) {
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
            pending.clear();
            fail(link, e);
            return;
        }
        pending.clear(); // forwarded: the list serves the session's next wait
        sendToServer(link);
        readPauses.resume(ReadPauses.WAITING);
    }

    /**
     * Handling this client's messages or its server's replies failed in a way pgmux did not
     * foresee (its messages are checked on arrival, so this is a bug): the client is told and
     * closed, and the server, whose state is now unknown, is closed, which frees its pool slot.
     * Nobody else pays for it, whichever loop or client this was called for.
     */
    void fail(ServerLink link, RuntimeException e) {
        ErrorResponse error;
        if (e instanceof ProtocolException violation) {
            // a message that arrived in order but broke the protocol once its turn came (e.g. a Query during COPY)
            log.info("c{} [{}] protocol violation: {}; closing server {}", session.id(), session.poolName(),
                    violation.getMessage(), link.server());
            error = ErrorResponse.fatal(violation.sqlState(), violation.getMessage());
        } else {
            log.error("c{} [{}] unexpected failure while holding server {}; closing both", session.id(), session.poolName(),
                    link.server(), e);
            error = SessionErrors.internalError(e);
        }
        if (session.state() instanceof Validating validating) {
            validating.pending().forEach(ReferenceCountUtil::release);
        }
        if (!(session.state() instanceof Closed)) { // the failure may come after the session already closed itself
            session.moveTo(SessionState.CLOSED);
        }
        cancelTarget = null;
        toServer.clear();
        link.discard();
        link.server().close();
        session.fatal(error);
    }

    // ---------------------------------------------------------------- query_timeout

    /**
     * Called by the timeout sweep while the session holds {@code link}. A request the server has
     * worked on longer than {@code queryTimeout} is cancelled, once (Postgres answers 57014 and the
     * client goes on); if the server has still not moved {@link #QUERY_CANCEL_GRACE_NANOS} later
     * (Postgres frozen, the path to it dead), the server is closed and the client told 08P01
     * "query timeout" and disconnected, as PgBouncer does.
     *
     * @return whether the session was ended
     */
    boolean checkQueryTimeout(ServerLink link, long nowNanos, Duration queryTimeout) {
        if (queryTimeout.isZero() || !link.isBusy()) {
            return false;
        }
        long runningSince = link.progressAtNanos();
        if (timeoutCancelAtNanos - runningSince < 0 || timeoutCancelAtNanos == 0) {
            if (nowNanos - runningSince > queryTimeout.toNanos()) {
                timeoutCancelAtNanos = nowNanos;
                log.info("c{} [{}] query_timeout ({}): cancelling the request running on server {}", session.id(),
                        session.poolName(), Units.formatDuration(queryTimeout), link.server());
                link.server().cancel();
            }
            return false;
        }
        if (nowNanos - timeoutCancelAtNanos <= QUERY_CANCEL_GRACE_NANOS) {
            return false;
        }
        log.warn("c{} [{}] query_timeout ({}): server {} did not answer its cancel within {} ms; closing it and the client",
                session.id(), session.poolName(), Units.formatDuration(queryTimeout), link.server(),
                QUERY_CANCEL_GRACE_NANOS / 1_000_000);
        SessionState previous = loseServer(link);
        toServer.clear();
        link.server().close();
        if (!(previous instanceof Abandoned)) {
            session.fatal(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "query timeout: the server did not answer within "
                    + "query_timeout (" + Units.formatDuration(queryTimeout) + "), nor a cancel request within "
                    + QUERY_CANCEL_GRACE_NANOS / 1_000_000 + " ms; pgmux closed the server connection")
                    .withHint("The transaction, if any, is lost; reconnect and retry."));
        }
        return true;
    }

    /** How long a cancel sent for {@code query_timeout} has to land before the server is given up. */
    static final long QUERY_CANCEL_GRACE_NANOS = 2_000_000_000L;

    // ---------------------------------------------------------------- client messages to the server

    void forward(ServerLink link, ByteBuf frame, byte type) {
        if (type == Frontend.TERMINATE) {
            frame.release();
            channel.close();
            return;
        }
        bytesFromClient += frame.readableBytes();
        if ((type == Frontend.COPY_DATA || type == Frontend.QUERY) && Frames.isPartial(frame)) {
            link.sendHeadFromClient(frame, type);
        } else {
            link.sendFromClient(frame, type);
        }
    }

    /** More of the client's streamed message; once it is complete, the server may be free to go back. */
    void forwardChunk(ServerLink link, MessageChunk chunk) {
        bytesFromClient += chunk.content().readableBytes();
        chunksToSend = true;
        boolean last = chunk.last();
        try {
            link.sendChunkFromClient(chunk);
        } catch (RuntimeException e) {
            // a streamed Query pgmux cannot let run: its server has part of it, so the server goes, and the client
            fail(link, e);
            return;
        }
        if (last) {
            // Its replies may all have come while it streamed (copy data outside a COPY, or after the COPY failed).
            afterServerBatch(link);
        }
    }

    void sendToServer(ServerLink link) {
        if (link.isStalled()) {
            readPauses.pause(ReadPauses.STALLED);
        } else {
            readPauses.resume(ReadPauses.STALLED);
        }
        if (toServer.isEmpty()) {
            return;
        }
        link.server().send(toServer);
        if (!link.server().isWritable()) {
            readPauses.pause(ReadPauses.SERVER_FULL);
        } else if (chunksToSend && !link.server().eventLoop().inEventLoop()) {
            // A large message crosses to the server's loop one read batch at a time: this loop cannot
            // see the server's buffer fill up in time, so it waits until the server's loop has taken the batch.
            readPauses.pause(ReadPauses.SERVER_FULL);
            link.server().notifyWhenWritable(this);
        }
        chunksToSend = false;
    }

    @Override
    public void onServerWritable(ServerConnection server) {
        if (session.state() instanceof Linked linked && linked.link().server() == server) {
            readPauses.resume(ReadPauses.SERVER_FULL);
        }
    }

    // ---------------------------------------------------------------- server replies to the client

    @Override
    public void onServerFrames(ServerConnection server, List<ByteBuf> frames) {
        ServerLink link = linkOf(server);
        int i = 0;
        try {
            if (link == null) {
                log.debug("c{} dropped {} frames from server {} it no longer holds", session.id(), frames.size(), server);
                return;
            }
            ByteBuf last = frames.get(frames.size() - 1);
            headInBatch = Frames.isPartial(last) ? last : null;
            while (i < frames.size() && linkOf(server) == link) {
                link.onServerFrame(frames.get(i++));
            }
        } catch (RuntimeException e) {
            fail(link, e);
            return;
        } finally {
            headInBatch = null; // released frames' objects are recycled: no identity may outlive the batch
            for (; i < frames.size(); i++) {
                frames.get(i).release();
            }
        }
        session.flushClient();
        if (linkOf(server) == link) {
            afterServerBatch(link);
        }
    }

    /** More of the server's message that went to the client last; dropped when its head was not forwarded. */
    @Override
    public void onServerChunk(ServerConnection server, MessageChunk chunk) {
        ServerLink link = linkOf(server);
        boolean forwarded = midMessageToClient && link != null && session.state() instanceof Linked;
        if (chunk.last()) {
            midMessageToClient = false;
        }
        if (forwarded) {
            bytesToClient += chunk.content().readableBytes();
            toClient.write(chunk.content());
            session.flushClient();
        } else {
            chunk.release();
        }
        if (link == null) {
            return;
        }
        if (forwarded && !channel.isWritable() && channel.isActive()) {
            link.reading.pause();
        } else {
            link.reading.readMore();
        }
    }

    private ServerLink linkOf(ServerConnection server) {
        ServerLink link = currentLink();
        return link != null && link.server() == server ? link : null;
    }

    /** The link to the server the session holds (also while checking settings or cleaning up), or null. */
    ServerLink currentLink() {
        SessionState state = session.state();
        if (state instanceof Linked linked) {
            return linked.link();
        } else if (state instanceof Validating validating) {
            return validating.link();
        } else if (state instanceof Abandoned abandoned) {
            return abandoned.link();
        }
        return null;
    }

    /** What the link reports, acted on in the session's state. */
    private final class LinkEvents implements ServerLinkEvents {
        @Override
        public int maxMessageSize() {
            return session.maxMessageSize();
        }

        @Override
        public void toClient(ByteBuf frame) {
            if (session.state() instanceof Linked) {
                bytesToClient += frame.readableBytes();
                if (frame == headInBatch) {
                    midMessageToClient = true;
                }
                toClient.write(frame);
            } else {
                frame.release();
            }
        }

        @Override
        public String clientSetting(String name) {
            return session.parameters().get(name);
        }

        @Override
        public void onClientParameterStatus(String name, String value) {
            session.parameters().onServerReport(name, value);
        }

        @Override
        public void onInjectedQueryDone(InjectedQuery query) {
            ServerLink link = currentLink();
            if (link != null) {
                onInjectedDone(link, query);
            }
        }

        @Override
        public void onClientSettingChanged(SqlCommand command) {
            ClientParameters parameters = session.parameters();
            ServerConnection server = currentLink().server();
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
            session.parameters().reportedStartupValues(onlyName)
                    .forEach((name, value) -> toClient(new ParameterStatus(name, value).encode(channel.alloc())));
        }

        @Override
        public SessionFeatureGate sessionFeatures() {
            return session.sessionFeatures();
        }

        @Override
        public void onQueryDone(long nanos) {
            session.pool().stats().onQuery(nanos);
        }

        /**
         * In session mode the server is not given back after a transaction, so each transaction is
         * counted here, as PgBouncer counts them (an autocommit statement is one); in the other modes
         * giving the server back counts it.
         */
        @Override
        public void onTransactionEnded(long nanos) {
            if (!session.pool().settings().mode().sharesServers() && nanos != ServerLink.NO_TRANSACTION) {
                session.pool().stats().onTransaction(nanos);
            }
        }

        @Override
        public void onErrorToClient(String sqlState) {
            session.pool().stats().onError(sqlState);
        }

        /** As PgBouncer: the client ends with 08P01; its server is rolled back as when a client leaves (see {@link #abandon}). */
        @Override
        public void onTransactionBlockRefused() {
            log.info("c{} [{}] opened a transaction block in statement pooling mode; closing it", session.id(), session.poolName());
            session.fatal(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, TRANSACTION_BLOCKS_REFUSED)
                    .withHint("pool_mode statement runs each statement on its own; use pool_mode transaction for transaction blocks."));
        }

        @Override
        public void onLostTrack(String what) {
            ServerLink link = currentLink();
            log.error("c{} [{}] {}; closing the client and server {}", session.id(), session.poolName(), what,
                    link != null ? link.server() : "-");
            session.moveTo(SessionState.CLOSED);
            cancelTarget = null;
            if (link != null) {
                link.discard();
                link.server().close();
            }
            session.fatal(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "pgmux lost track of the server's replies; please reconnect"));
        }
    }

    private void onInjectedDone(ServerLink link, InjectedQuery query) {
        ErrorResponse error = query.error();
        switch (query.purpose()) {
            case PARAMETER_SYNC -> {
                if (error == null) {
                    query.sync().applyTo(link.server().parameters(), query.row());
                    link.server().parameters().markInSyncWith(query.settings());
                    if (session.state() instanceof Validating) {
                        login.adoptNormalizedSettings(session.pool(), query.sync(), query.row());
                    }
                    return;
                }
                log.info("c{} [{}] server rejected the client's settings: {}", session.id(), session.poolName(), error);
                if (session.state() instanceof Validating v) {
                    session.pool().release(link.server());
                    session.moveTo(SessionState.CLOSED);
                    v.pending().forEach(ReferenceCountUtil::release);
                    session.fatal(error.withSeverity(ErrorResponse.FATAL));
                } else if (session.state() instanceof Linked) {
                    // The client's own messages already went out behind the failed sync: its settings are lost.
                    session.fatal(error.withSeverity(ErrorResponse.FATAL));
                }
            }
            case ADVISORY_LOCK_COUNT -> session.sessionFeatures().onAdvisoryLocksCounted(
                    error == null && query.row().size() == 1 ? Integer.valueOf(query.row().get(0)) : null);
            case ROLLBACK, RESET -> {
                if (error != null) {
                    log.warn("c{} [{}] {} failed on server {}: {}; closing it", session.id(), session.poolName(),
                            query.purpose(), link.server(), error);
                    link.server().close();
                }
            }
        }
    }

    // ---------------------------------------------------------------- giving the server back

    /** After a batch of server frames: give the server back if the link is clean, or apply backpressure. */
    private void afterServerBatch(ServerLink link) {
        SessionState state = session.state();
        Pool pool = session.pool();
        if (state instanceof Linked) {
            sendToServer(link);
            boolean transactionMode = pool.settings().mode().sharesServers();
            if (link.isClean() && transactionMode && session.sessionFeatures().takeAdvisoryCheck()) {
                link.inject(InjectedQuery.advisoryLockCount()); // its unlock may have been its last lock, or not
                sendToServer(link);
                return;
            }
            if (closedIfFastClosed(link)) {
                return;
            }
            // A client pinned by its session features keeps its server as in session mode, until they are given back.
            boolean pinned = session.sessionFeatures().isPinned();
            if (link.isClean() && (transactionMode && !pinned || session.shuttingDown())) {
                if (link.takeSqlPrepared()) {
                    log.warn("c{} [{}] ran SQL PREPARE inside a larger query; deallocating it before server {} is shared",
                            session.id(), session.poolName(), link.server());
                    link.inject(InjectedQuery.reset("DEALLOCATE ALL"));
                    sendToServer(link);
                    return;
                }
                release(link);
                session.moveTo(link.errorSinceSync() ? SessionState.FAILED_UNTIL_SYNC : SessionState.IDLE);
                if (session.shuttingDown()) {
                    session.leave();
                }
            } else if (transactionMode && link.canUnpin()) {
                // Only named statements were prepared or described: no need to keep the server until the client's Sync.
                link.unpin();
                sendToServer(link);
            } else if (!channel.isWritable() && channel.isActive()) {
                link.reading.pause();
            }
        } else if (state instanceof Validating) {
            if (link.isClean()) {
                finishValidation(link);
            }
        } else if (state instanceof Abandoned) {
            if (link.isClean()) {
                release(link);
                session.moveTo(SessionState.CLOSED);
            } else if (link.currentInjected() == null) {
                log.info("c{} [{}] server {} still not clean after cleanup; closing it", session.id(), session.poolName(), link.server());
                link.server().close();
                session.moveTo(SessionState.CLOSED);
            }
        }
    }

    private void finishValidation(ServerLink link) {
        Validating validating = (Validating) session.state();
        release(link);
        login.sendWelcome(session.pool().welcomeParameters());
        List<ByteBuf> pending = validating.pending();
        readPauses.resume(ReadPauses.WAITING);
        for (int i = 0; i < pending.size(); i++) {
            session.onClientFrame(pending.get(i));
        }
        session.onClientReadComplete();
    }

    private void release(ServerLink link) {
        if (session.state() instanceof Linked && session.pool().settings().mode().sharesServers()) {
            session.pool().stats().onTransaction(System.nanoTime() - link.linkedAtNanos());
        }
        cancelTarget = null;
        link.reading.resume();
        // what the client sent is the server's now: its fullness no longer holds the client back
        readPauses.resume(ReadPauses.SERVER_FULL);
        session.pool().release(link.server());
    }

    /**
     * The client left while holding a server. A clean server goes back (after the reset query in
     * session mode); one idle in a transaction is rolled back first; one in the middle of anything
     * else (a query, a COPY, a pipeline) is cancelled and closed, since its state cannot be known.
     */
    void abandon(ServerLink link) {
        session.moveTo(new Abandoned(link));
        // Reading may have been paused for the client's sake (its channel is not writable once it is closing):
        // the replies to pgmux's own cleanup must still come in.
        link.reading.resume();
        Pool pool = session.pool();
        String resetQuery = pool.settings().mode() == PoolMode.SESSION ? pool.settings().resetQuery() : "";
        if (session.sessionFeatures().isPinned()) {
            // What pinned the client (a LISTEN, a lock, a temp table...) must not reach the next one.
            resetQuery = pool.settings().resetQuery().isEmpty() ? "DISCARD ALL" : pool.settings().resetQuery();
            log.info("c{} [{}] left while pinned by {}; resetting server {} with {}", session.id(), session.poolName(),
                    session.sessionFeatures().reasons(), link.server(), resetQuery);
        }
        boolean deallocate = link.takeSqlPrepared();
        if (link.isClean() && resetQuery.isEmpty() && !deallocate) {
            release(link);
            session.moveTo(SessionState.CLOSED);
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
            link.server().send(toServer);
            return;
        }
        log.info("c{} [{}] left in the middle of a request; cancelling and closing server {}", session.id(), session.poolName(),
                link.server());
        link.discard();
        link.server().cancel();
        link.server().close();
        session.moveTo(SessionState.CLOSED);
    }

    /** {@code server_fast_close}: a retired server held in session mode closes now if no transaction is open on it. */
    @Override
    public void onServerRetired(ServerConnection server) {
        ServerLink link = linkOf(server);
        if (link != null && session.state() instanceof Linked) {
            closedIfFastClosed(link);
        }
    }

    /**
     * The session's server was retired and {@code server_fast_close} is on: it closes between two
     * transactions, and the client with it (told why), so that it notices its session ended.
     */
    /**
     * {@code server_fast_close} (session mode only, see {@link Pool#fastCloses}): a retired server with
     * no transaction open is closed, with its client; true if it was.
     */
    private boolean closedIfFastClosed(ServerLink link) {
        if (!link.isClean() || !session.pool().fastCloses(link.server())) {
            return false;
        }
        closeRetired(link);
        return true;
    }

    private void closeRetired(ServerLink link) {
        log.info("c{} [{}] server {} was retired (RECONNECT, RELOAD or PAUSE) and server_fast_close is on: closing it and"
                + " the client between transactions", session.id(), session.poolName(), link.server());
        loseServer(link);
        link.server().close();
        session.fatal(ErrorResponse.fatal(SqlState.ADMIN_SHUTDOWN, "pgmux closed this session's server connection:"
                + " its pool's servers were retired (RECONNECT, RELOAD or PAUSE) and server_fast_close is on")
                .withHint("No transaction was lost; reconnect to go on with a new server connection."));
    }

    @Override
    public void onServerClosed(ServerConnection server) {
        ServerLink link = linkOf(server);
        if (link == null) {
            return;
        }
        SessionState previous = loseServer(link);
        if (previous instanceof Validating) {
            session.fatal(ErrorResponse.fatal(SqlState.CONNECTION_FAILURE, "the server closed the connection while pgmux checked the client's settings"));
        } else if (previous instanceof Linked) {
            if (link.serverSentFatal()) {
                channel.close();
            } else {
                session.fatal(ErrorResponse.fatal(SqlState.CONNECTION_FAILURE, "server connection lost: the server closed the connection unexpectedly")
                        .withHint("The transaction, if any, is lost; reconnect and retry."));
            }
        }
    }

    /**
     * pgmux could not get memory for the held server's data, which it is closing in the middle of a
     * message: the client is told that it was pgmux (53200), not the server, and closed like a
     * client whose server went away.
     */
    @Override
    public void onServerOutOfMemory(ServerConnection server) {
        ServerLink link = linkOf(server);
        if (link == null) {
            return;
        }
        log.warn("c{} [{}] out of memory for the replies of server {}; closing the client", session.id(), session.poolName(), server);
        SessionState previous = loseServer(link);
        link.server().close();
        if (previous instanceof Linked || previous instanceof Validating) {
            session.fatal(ErrorResponse.fatal(SqlState.OUT_OF_MEMORY, "out of memory: pgmux could not allocate a buffer for the server's reply")
                    .withHint("The transaction, if any, is lost. Give pgmux more memory (-XX:MaxDirectMemorySize) or make the reply smaller."));
        }
    }

    /** The held server is gone: the session is closed, what it held for the server dropped; the state it was in. */
    private SessionState loseServer(ServerLink link) {
        SessionState previous = session.state();
        session.moveTo(SessionState.CLOSED);
        cancelTarget = null;
        link.discard();
        if (previous instanceof Validating validating) {
            validating.pending().forEach(ReferenceCountUtil::release);
        }
        return previous;
    }

    /** Named as the session in the pool's and the server's lines. */
    @Override
    public String toString() {
        return session.toString();
    }
}
