package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Messages;
import io.pgmux.protocol.message.ParameterStatus;
import io.pgmux.protocol.message.ReadyForQuery;
import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.client.NamedStatements.Refusal;
import io.pgmux.proxy.client.ReplyQueue.Attachment;
import io.pgmux.proxy.net.MessageChunk;
import io.pgmux.proxy.net.Outbox;

/**
 * One client holding one server: everything sent to the server passes {@link #sendFromClient} and
 * everything it answers passes {@link #onServerFrame}, so the link knows at every moment what the
 * server still owes ({@link ReplyQueue}) and whether the server may go back to its pool. A session
 * makes its link once and {@link #attach}es it to each server it holds.
 *
 * <p>Replies pgmux makes itself (a ParseComplete for a statement the server holds, a CloseComplete,
 * DEALLOCATE) and replies it swallows (statements prepared on the client's behalf, its own queries)
 * keep their exact place in the stream. After an error the server skips to the next Sync, and so
 * does the queue: nothing made up is sent for a skipped message, and what pgmux did for it when
 * sending is undone. A message whose rewriting depends on an outcome still unknown waits
 * ({@link StalledMessages}, in {@link ClientToServer}). Errors pgmux must raise in a pipeline are
 * raised by the server itself from a message that must fail, their text replaced, so the
 * transaction and the skip to Sync behave as in Postgres.
 *
 * <p>Besides the queue the link knows its <em>phase</em>, one {@link SyncPhase} changed only by
 * {@link #moveTo}, and <em>facts</em> independent of it: whether what was sent since the last Sync
 * lives on this server ({@code pinnedUntilSync}: may pgmux Sync on its own?), whether the client got
 * an error since its last Sync was answered, whether the server sent a FATAL error, and the server's
 * transaction status; what goes to the server changes them through the {@code on*Sent} methods.
 * Delegated: the request side ({@link ClientToServer}, {@link ClientRequests},
 * {@link StreamedClientMessage}), SETs ({@link SettingChanges}), completed commands ({@link CommandEffects}), rewritten SQL names
 * ({@link RewrittenQueryReplies}), the server's reading ({@link ServerReading}).
 */
final class ServerLink {
    final ServerReading reading = new ServerReading();

    private final StatementContext statements;
    private final SettingChanges settings;
    private final ClientRequests requests;
    private final StreamedClientMessage streamed;
    private final RewrittenQueryReplies rewrittenReplies;
    private final Outbox outbox;
    private final ClientToServer clientMessages;
    private final ByteBufAllocator alloc;
    private final ServerLinkEvents events;
    private final ReplyQueue replies;
    /** The client's session features; null when nothing follows them. */
    private final SessionFeatureGate features;
    private final CommandEffects commands;
    private ServerConnection server;
    private long linkedAtNanos;
    private TransactionStatus status;
    /** Sync segments sent so far: an error skips everything up to the end of its segment. */
    private long segment;
    private SyncPhase phase;
    /** Something sent since the client's last Sync lives on this server until a Sync: the unnamed statement, a portal, a COPY. */
    private boolean pinnedUntilSync;
    /** The client got an error for an extended-protocol message since its last Sync was answered. */
    private boolean errorSinceSync;
    /** The server sent a FATAL error to the client: it is about to close. */
    private boolean serverFatal;

    /** The session's link, made once (when it first gets a server) and {@link #attach}ed to each server it holds. */
    ServerLink(StatementContext statements, ReplyQueue replies, Outbox outbox, ByteBufAllocator alloc, ServerLinkEvents events) {
        this.statements = statements;
        this.replies = replies;
        this.outbox = outbox;
        this.alloc = alloc;
        this.events = events;
        this.settings = new SettingChanges(statements.tracksSettings(), events);
        this.features = events.sessionFeatures();
        this.requests = new ClientRequests(statements, settings, features, replies, outbox, alloc);
        this.commands = new CommandEffects(statements, settings, requests, features);
        this.streamed = new StreamedClientMessage(statements, settings, features, requests, replies, outbox, events);
        this.rewrittenReplies = new RewrittenQueryReplies(requests, commands, settings, events, alloc);
        this.clientMessages = new ClientToServer(this, requests, streamed, replies, outbox);
    }

    /**
     * The client now holds {@code server}, which owes nothing and is outside any transaction: the
     * link starts afresh on it (the session's reply queue and outbox are empty whenever it holds none).
     */
    ServerLink attach(ServerConnection server) {
        this.server = server;
        linkedAtNanos = System.nanoTime();
        status = TransactionStatus.IDLE;
        segment = 1;
        phase = SyncPhase.SYNCED;
        pinnedUntilSync = false;
        errorSinceSync = false;
        serverFatal = false;
        reading.attach(server);
        settings.attach(server.parameters());
        requests.attach(server);
        commands.attach(server);
        streamed.attach(server);
        return this;
    }

    /** The server the link was last attached to (the one held, while the session's state holds the link). */
    ServerConnection server() {
        return server;
    }

    /** When the link was attached to its server (nanoTime). */
    long linkedAtNanos() {
        return linkedAtNanos;
    }

    // ---------------------------------------------------------------- the link's state

    /** Nothing owed, nothing unsynced or waiting, no transaction: the server may go back to the pool. */
    boolean isClean() {
        return !streamed.midMessage() && replies.isEmpty() && !isStalled() && !phase.unsynced() && status == TransactionStatus.IDLE;
    }

    /** Nothing owed, but a transaction is open (or failed): a ROLLBACK makes the server clean. */
    boolean needsOnlyRollback() {
        return !streamed.midMessage() && replies.isEmpty() && !isStalled() && !phase.unsynced() && status != TransactionStatus.IDLE;
    }

    /**
     * Everything is answered and the client's unsynced messages only prepared, described or
     * closed named statements, outside any transaction: nothing of it lives on this server, so the
     * server can be let go before the client's Sync (after pgmux's own Sync, see {@link #unpin}).
     */
    boolean canUnpin() {
        return !streamed.midMessage() && replies.isEmpty() && !isStalled() && phase.unsynced() && !pinnedUntilSync && status == TransactionStatus.IDLE;
    }

    /** Sends a Sync of pgmux's own, so the server ends the implicit transaction and can be released. */
    void unpin() {
        pushSync(ReplyQueue.SWALLOW, 0);
        outbox.add(Messages.sync());
    }

    /** The client must see messages up to its next Sync ignored, as after an error in Postgres. */
    boolean errorSinceSync() {
        return errorSinceSync;
    }

    /** The server owes replies (a request is running or queued), or client messages wait for some. */
    boolean isBusy() {
        return !replies.isEmpty() || isStalled();
    }

    /**
     * Since when the server has been working on the request it owes first (if {@link #isBusy()}),
     * or idle (if not): the last time it answered a Sync or Query, or got a request while owing nothing.
     */
    long progressAtNanos() {
        return replies.progressAtNanos();
    }

    /** When the server's current transaction began (its first request since it was idle), or {@link #NO_TRANSACTION}. */
    long transactionSinceNanos() {
        return replies.transactionSinceNanos();
    }

    static final long NO_TRANSACTION = ReplyQueue.NOT_IN_TRANSACTION;

    boolean inTransaction() {
        return status != TransactionStatus.IDLE;
    }

    /** Client messages wait for an earlier outcome: the client should not send more for now. */
    boolean isStalled() {
        return clientMessages.isStalled();
    }

    /**
     * The client left an SQL-level prepared statement on the server (PREPARE inside a larger query,
     * which pgmux cannot refuse beforehand): it must be deallocated before the server is shared.
     * Answers once.
     */
    boolean takeSqlPrepared() {
        return commands.takeSqlPrepared();
    }

    /** The server sent the client a FATAL error: its closing is expected, and needs no error of pgmux's. */
    boolean serverSentFatal() {
        return serverFatal;
    }

    /** The injected query whose replies come next, or null. */
    InjectedQuery currentInjected() {
        return !replies.isEmpty() && replies.headKind() == ReplyQueue.QUERY && replies.headSwallowed()
                ? (InjectedQuery) replies.headAttachment() : null;
    }

    /** The one write of the phase: refuses a change {@link SyncPhase} does not draw (a bug, like an unlisted session state change). */
    private void moveTo(SyncPhase next) {
        if (next != phase) {
            if (!phase.mayBecome(next)) {
                throw new IllegalStateException("a server link cannot go from " + phase + " to " + next);
            }
            phase = next;
        }
    }

    // ---------------------------------------------------------------- to the server (the client's messages: ClientToServer)

    /** pgmux sends a query of its own; the server answers it before anything sent after it. */
    void inject(InjectedQuery query) {
        replies.push(ReplyQueue.QUERY, ReplyQueue.SWALLOW, 0, query);
        outbox.add(query.message().encode(alloc));
    }

    /**
     * A client message, rewritten or answered as needed ({@link ClientToServer}); takes ownership of the frame.
     *
     * @throws io.pgmux.protocol.ProtocolException for a malformed message (the frame is released)
     */
    void sendFromClient(ByteBuf frame, byte type) {
        clientMessages.send(frame, type);
    }

    /** The head of a client message whose body follows in chunks ({@link #sendChunkFromClient}). */
    void sendHeadFromClient(ByteBuf head, byte type) {
        clientMessages.sendHead(head, type);
    }

    /** More of the client's streamed message (a Query's may be refused: {@link StreamedClientMessage}). */
    void sendChunkFromClient(MessageChunk chunk) {
        clientMessages.sendChunk(chunk);
    }

    // ---------------------------------------------------------------- what went to the server: the phase

    SyncPhase phase() {
        return phase;
    }

    /** Sync segments sent so far, the current one's number. */
    long segment() {
        return segment;
    }

    /** The server's transaction status as its last ReadyForQuery said. */
    TransactionStatus status() {
        return status;
    }

    /** A simple query went out: it ends the extended protocol's implicit transaction. */
    void onQuerySent() {
        moveTo(SyncPhase.SYNCED);
        pinnedUntilSync = false;
    }

    /** The client's Sync went out (not during COPY FROM STDIN, when the server ignores it). */
    void onSyncSent() {
        pushSync(0, System.nanoTime());
    }

    private void pushSync(int flags, long sentAt) {
        replies.push(ReplyQueue.SYNC, flags, sentAt, null);
        segment++;
        moveTo(SyncPhase.SYNCED);
        pinnedUntilSync = false;
    }

    /** An extended-protocol request went out (or was answered in its turn), leaving {@code trace} until the client's Sync. */
    void onExtendedSent(ClientRequests.Trace trace) {
        if (trace != ClientRequests.Trace.NONE) {
            moveTo(SyncPhase.UNSYNCED);
            pinnedUntilSync |= trace == ClientRequests.Trace.SERVER_STATE;
        }
    }

    /** A CopyDone or CopyFail went out: it ends the COPY FROM STDIN, or, outside one, the server answers it with an error. */
    void onCopyEndSent() {
        if (phase.copyingIn()) {
            moveTo(phase.afterCopy());
        } else {
            replies.push(ReplyQueue.COPY_END, 0, 0, null);
            emitLocalReplies();
        }
    }

    // ---------------------------------------------------------------- from the server

    /** One frame from the server; takes ownership of it. */
    void onServerFrame(ByteBuf frame) {
        byte type = Frames.type(frame);
        if (type == Backend.PARAMETER_STATUS || type == Backend.NOTICE_RESPONSE || type == Backend.NOTIFICATION_RESPONSE) {
            onAsyncMessage(frame, type);
        } else if (replies.isEmpty()) {
            if (type == Backend.ERROR_RESPONSE && ErrorResponse.decode(frame).isFatal()) {
                // The server is going away (shutdown, terminated backend) and says why before it closes.
                toClientAsError(frame, null);
            } else {
                frame.release();
                events.onLostTrack("server sent message " + Frames.describeType(type) + " that nothing asked for");
            }
            return;
        } else {
            byte kind = replies.headKind();
            if (kind == ReplyQueue.QUERY) {
                onQueryReply(frame, type);
            } else if (type == Backend.ERROR_RESPONSE) {
                onExtendedError(frame);
            } else if (kind == ReplyQueue.SYNC) {
                onSyncReply(frame, type);
            } else {
                onExtendedReply(frame, type, kind);
            }
        }
        clientMessages.sendReady();
    }

    private void onAsyncMessage(ByteBuf frame, byte type) {
        InjectedQuery injected = currentInjected();
        if (type == Backend.PARAMETER_STATUS) {
            ParameterStatus reported = ParameterStatus.decode(frame);
            settings.onParameterStatus(reported.name(), reported.value(), injected == null);
        }
        if (injected != null) {
            frame.release();
        } else {
            events.toClient(frame);
        }
    }

    private void onQueryReply(ByteBuf frame, byte type) {
        if (type == Backend.READY_FOR_QUERY) {
            onReadyForQuery(frame);
            return;
        }
        boolean swallowed = replies.headSwallowed();
        Attachment attachment = replies.headAttachment();
        if (attachment instanceof RewrittenQuery rewritten) {
            if (type == Backend.ERROR_RESPONSE) {
                RewrittenQuery.Step step = rewrittenReplies.onError(rewritten);
                Refusal refusal = RewrittenQuery.refusalFor(frame, step);
                onQueryError(refusal != null ? frame : RewrittenQuery.namingClient(frame, step, alloc), refusal);
                return;
            }
            if (rewrittenReplies.onReply(frame, type, rewritten)) {
                return;
            }
            attachment = rewritten.settings();
        }
        if (type == Backend.COMMAND_COMPLETE) {
            commands.onCommandComplete(frame, attachment, swallowed);
        } else if (type == Backend.COPY_IN_RESPONSE) {
            boolean ended = replies.dropSyncsBeforeCopyEnd();
            moveTo(ended ? phase.afterCopy() : phase.copying());
        }
        if (swallowed) {
            try {
                ((InjectedQuery) attachment).onFrame(frame);
            } finally {
                frame.release();
            }
        } else if (type == Backend.ERROR_RESPONSE) {
            onQueryError(frame, attachment);
        } else {
            events.toClient(frame);
        }
    }

    /** The server's error ended the query (and a COPY it ran); the client gets the error. */
    private void onQueryError(ByteBuf frame, Attachment attachment) {
        moveTo(phase.afterCopy());
        settings.onError();
        toClientAsError(frame, attachment);
    }

    private void onSyncReply(ByteBuf frame, byte type) {
        if (type != Backend.READY_FOR_QUERY) {
            frame.release();
            events.onLostTrack("server answered a Sync with " + Frames.describeType(type));
            return;
        }
        onReadyForQuery(frame);
    }

    /** The ReadyForQuery that answers the head entry, a query's or a Sync's. */
    private void onReadyForQuery(ByteBuf frame) {
        status = ReadyForQuery.statusOf(frame);
        boolean sync = replies.headKind() == ReplyQueue.SYNC;
        boolean swallowed = replies.headSwallowed();
        Attachment attachment = replies.headAttachment();
        long sentAt = replies.headNumber();
        replies.pop();
        long transactionNanos = NO_TRANSACTION;
        if (status == TransactionStatus.IDLE) {
            long since = replies.transactionSinceNanos();
            transactionNanos = since == NO_TRANSACTION ? NO_TRANSACTION : System.nanoTime() - since;
            replies.serverIdle();
        }
        if (swallowed) {
            frame.release();
            if (attachment instanceof InjectedQuery injected) { // pgmux's own Sync has none
                events.onInjectedQueryDone(injected);
            }
        } else if (status != TransactionStatus.IDLE && statements.refusesTransactionBlocks()) {
            frame.release();
            events.onTransactionBlockRefused();
            return;
        } else {
            if (sync) {
                errorSinceSync = false;
            }
            settings.onReadyForQuery(status);
            if (features != null) {
                features.onReadyForQuery(status);
            }
            events.onQueryDone(System.nanoTime() - sentAt);
            if (status == TransactionStatus.IDLE) {
                events.onTransactionEnded(transactionNanos);
            }
            events.toClient(frame);
        }
        emitLocalReplies();
    }

    private void onExtendedReply(ByteBuf frame, byte type, byte kind) {
        ExtendedReplies.Match match = ExtendedReplies.match(kind, type);
        if (match == ExtendedReplies.Match.NOT_A_REPLY) {
            frame.release();
            events.onLostTrack("server answered " + ExtendedReplies.kindName(kind) + " with " + Frames.describeType(type));
            return;
        }
        if (type == Backend.COPY_IN_RESPONSE) {
            // The Syncs the server ignores do not end the implicit transaction holding the COPY.
            boolean ended = replies.dropSyncsBeforeCopyEnd();
            moveTo(ended ? SyncPhase.UNSYNCED : SyncPhase.COPY_IN_UNSYNCED);
            pinnedUntilSync = true;
        }
        if (replies.headSwallowed()) {
            frame.release();
        } else {
            if (type == Backend.COMMAND_COMPLETE) {
                commands.onCommandComplete(frame, replies.headAttachment(), false);
            }
            events.toClient(frame);
        }
        if (match == ExtendedReplies.Match.LAST) {
            requests.onSucceeded(replies.headAttachment());
            replies.pop();
            emitLocalReplies();
        }
    }

    /** The head entry's message failed: the server now skips everything up to the next Sync. */
    private void onExtendedError(ByteBuf frame) {
        moveTo(phase.afterCopy());
        Attachment attachment = replies.headAttachment();
        requests.onFailed(attachment);
        replies.pop();
        settings.onError();
        // An injected Parse that fails (the statement no longer compiles) reports the client's next step failing.
        toClientAsError(frame, attachment);
        errorSinceSync = true;
        while (!replies.isEmpty() && replies.headKind() != ReplyQueue.SYNC) {
            requests.onSkipped(replies.headAttachment());
            replies.pop();
        }
        if (replies.isEmpty()) {
            moveTo(SyncPhase.SKIPPING);
        }
    }

    private void toClientAsError(ByteBuf frame, Attachment attachment) {
        if (features != null) {
            features.onError(); // pgmux's refusals too: the server failed them, and what came before in their transaction
        }
        if (attachment instanceof Refusal refusal) {
            frame.release();
            events.onErrorToClient(refusal.error().sqlState());
            events.toClient(refusal.error().encode(alloc));
            return;
        }
        ErrorResponse error = ErrorResponse.decode(frame);
        events.onErrorToClient(error.sqlState());
        if (error.isFatal()) {
            serverFatal = true;
        }
        events.toClient(frame);
    }

    /** Gives the replies pgmux makes at the head of the queue: everything before them has been answered. */
    void emitLocalReplies() {
        while (!replies.isEmpty() && (replies.headKind() == ReplyQueue.SYNTHETIC || replies.headKind() == ReplyQueue.COPY_END)) {
            Attachment reply = replies.headAttachment();
            replies.pop();
            if (reply instanceof LocalReplies.InTurn inTurn) {
                LocalReplies.giveInTurn(inTurn, events, statements, status, alloc);
            }
        }
    }

    /** Releases what the link still holds (it is dropped). */
    void discard() {
        replies.clear();
        clientMessages.discard();
    }
}
