package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ByteProcessor;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.Bind;
import io.pgmux.protocol.message.Close;
import io.pgmux.protocol.message.CommandComplete;
import io.pgmux.protocol.message.Describe;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Messages;
import io.pgmux.protocol.message.Parse;
import io.pgmux.protocol.message.ParameterStatus;
import io.pgmux.protocol.message.Query;
import io.pgmux.protocol.message.ReadyForQuery;
import io.pgmux.protocol.message.Target;
import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.net.Outbox;
import io.pgmux.proxy.prepared.ClientStatements;
import io.pgmux.proxy.prepared.PreparedStatement;
import io.pgmux.proxy.prepared.ServerStatements;
import io.pgmux.proxy.prepared.ServerStatements.Slot;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One client holding one server: everything sent to the server passes {@link #sendFromClient} and
 * everything it answers passes {@link #onServerFrame}, so the link knows at every moment what the
 * server still owes ({@link ReplyQueue}) and whether the server may go back to its pool.
 *
 * <p>With named prepared statements rewritten, the client's names become shared server names: a
 * statement the server lacks is prepared first (its ParseComplete swallowed), a client Parse the
 * server already holds and every client Close are answered by pgmux itself, at their place in the
 * reply stream. After an error the server skips to the next Sync, and so does the queue: replies
 * queued for skipped messages, synthetic ones included, are dropped. Errors pgmux must raise in the
 * middle of a pipeline (duplicate name, rejected statement) are raised by the server itself, from a
 * Parse that cannot succeed, and their text replaced: so the transaction and the skip-to-Sync
 * behave exactly as Postgres would.
 */
final class ServerLink {
    /** pgmux asks the server to fail where it must report its own error, then swaps the text. */
    private static final String REFUSAL_STATEMENT = "pgmux_refused";
    private static final String REFUSAL_SQL = "pgmux refused this statement";

    /** What the session does with the outcome of the link's work. */
    interface Events {
        /** A frame for the client (forwarded or made by pgmux); the receiver owns it. */
        void toClient(ByteBuf frame);

        /** A server reported a changed setting during the client's transaction. */
        void onClientParameterStatus(String name, String value);

        /** A SET or RESET of the client's took effect (committed, or outside a transaction). */
        void onClientSettingChanged(SqlCommand command);

        /** One of pgmux's own queries got its ReadyForQuery. */
        void onInjectedQueryDone(InjectedQuery query);

        /** A ReadyForQuery for a client's query or Sync, sent that many nanoseconds earlier. */
        void onQueryDone(long nanos);

        /** An error went to the client. */
        void onErrorToClient(String sqlState);

        /** The server's replies do not match what was sent: the link cannot be trusted. */
        void onLostTrack(String what);
    }

    /** The server fails a refusal Parse or Query; the client gets {@code error} in its place. */
    private record Refusal(ErrorResponse error) {}

    /** A client Parse forwarded to the server: undone if the server rejects it. */
    private record ParseAttempt(ClientStatements.Registration registration, Slot slot) {}

    /** A reply to a simple query that pgmux gives itself (DEALLOCATE of the client's names). */
    private record LocalCommand(String tag) {}

    /** A client Parse of a statement the server holds, answered by pgmux: undone if the server skips it. */
    private record LocalParse(ClientStatements.Registration registration) {}

    final ServerConnection server;
    final long linkedAtNanos = System.nanoTime();
    /** The server's reading is paused because the client cannot take more. */
    boolean serverPaused;
    /** The server sent a FATAL error to the client: it is about to close. */
    boolean serverFatal;

    private final StatementContext statements;
    private final Outbox toServer;
    private final ByteBufAllocator alloc;
    private final Events events;
    private final ReplyQueue replies = new ReplyQueue();
    private TransactionStatus status = TransactionStatus.IDLE;
    /** Extended-protocol messages went out since the client's last Sync. */
    private boolean unsynced;
    /** ...and all of them are free of effects that live on this server (named Parse/Describe/Close). */
    private boolean unpinnable = true;
    /** The server discards messages until a Sync, and none is on its way. */
    private boolean skipping;
    /** The client got an error for an extended-protocol message since its last Sync. */
    private boolean errorSinceSync;
    /** The server is in COPY FROM STDIN and the client has not ended its data: Syncs now are ignored by the server. */
    private boolean copyIn;
    /** What the client's unnamed statement and unnamed portal do, if it is a SET or RESET pgmux tracks. */
    private SqlCommand unnamedStatementCommand;
    private SqlCommand unnamedPortalCommand;
    /**
     * SETs and RESETs that completed and wait for the next ReadyForQuery: they count once the
     * server is out of any transaction (committed or autocommit), not if a ROLLBACK came first.
     * (Postgres reports changed settings just before ReadyForQuery, so that is also when a RESET's
     * server default has arrived and the client's startup value can take its place.)
     */
    private List<SqlCommand> settingsInTransaction;
    /** The client ran SQL PREPARE (inside a larger query): its statement must not outlive the transaction. */
    private boolean sqlPrepared;

    ServerLink(ServerConnection server, StatementContext statements, Outbox toServer, ByteBufAllocator alloc, Events events) {
        this.server = server;
        this.statements = statements;
        this.toServer = toServer;
        this.alloc = alloc;
        this.events = events;
    }

    // ---------------------------------------------------------------- the link's state

    /** Nothing owed, nothing unsynced, no transaction: the server may go back to the pool. */
    boolean isClean() {
        return replies.isEmpty() && !unsynced && status == TransactionStatus.IDLE;
    }

    /** Nothing owed, but a transaction is open (or failed): a ROLLBACK makes the server clean. */
    boolean needsOnlyRollback() {
        return replies.isEmpty() && !unsynced && status != TransactionStatus.IDLE;
    }

    /**
     * Everything is answered and the client's unsynced messages only prepared, described or
     * closed named statements, outside any transaction: nothing of it lives on this server, so the
     * server can be let go before the client's Sync (after pgmux's own Sync, see {@link #unpin}).
     */
    boolean canUnpin() {
        return replies.isEmpty() && unsynced && unpinnable && status == TransactionStatus.IDLE;
    }

    /** Sends a Sync of pgmux's own, so the server ends the implicit transaction and can be released. */
    void unpin() {
        replies.push(ReplyQueue.SYNC, ReplyQueue.SWALLOW, 0, null);
        toServer.add(Messages.sync());
        unsynced = false;
        skipping = false;
    }

    /** The client must see messages up to its next Sync ignored, as after an error in Postgres. */
    boolean errorSinceSync() {
        return errorSinceSync;
    }

    boolean inTransaction() {
        return status != TransactionStatus.IDLE;
    }

    /**
     * The client left an SQL-level prepared statement on the server (PREPARE inside a larger query,
     * which pgmux cannot refuse beforehand): it must be deallocated before the server is shared.
     * Answers once.
     */
    boolean takeSqlPrepared() {
        boolean prepared = sqlPrepared;
        sqlPrepared = false;
        return prepared;
    }

    /** The injected query whose replies come next, or null. */
    InjectedQuery currentInjected() {
        return !replies.isEmpty() && replies.headKind() == ReplyQueue.QUERY && replies.headSwallowed()
                ? (InjectedQuery) replies.headAttachment() : null;
    }

    // ---------------------------------------------------------------- to the server

    /** pgmux sends a query of its own; the server answers it before anything sent after it. */
    void inject(InjectedQuery query) {
        replies.push(ReplyQueue.QUERY, ReplyQueue.SWALLOW, 0, query);
        toServer.add(query.message().encode(alloc));
    }

    /** A client message, rewritten or answered as needed; takes ownership of the frame. */
    void sendFromClient(ByteBuf frame, byte type) {
        if (skipping && type != Frontend.SYNC) {
            frame.release();
            return;
        }
        switch (type) {
            case Frontend.QUERY -> sendQuery(frame);
            case Frontend.SYNC -> {
                if (copyIn) {
                    toServer.add(frame);
                    return;
                }
                replies.push(ReplyQueue.SYNC, 0, System.nanoTime(), null);
                unsynced = false;
                unpinnable = true;
                skipping = false;
                toServer.add(frame);
            }
            case Frontend.FUNCTION_CALL -> {
                replies.push(ReplyQueue.QUERY, 0, System.nanoTime(), null);
                toServer.add(frame);
            }
            case Frontend.PARSE -> sendParse(frame);
            case Frontend.BIND -> sendBind(frame);
            case Frontend.DESCRIBE -> sendDescribe(frame);
            case Frontend.EXECUTE -> {
                extendedMessage(false);
                boolean unnamedPortal = frame.getByte(frame.readerIndex() + Frames.HEADER_SIZE) == 0;
                replies.push(ReplyQueue.EXECUTE, 0, 0, unnamedPortal ? unnamedPortalCommand : null);
                toServer.add(frame);
            }
            case Frontend.CLOSE -> sendClose(frame);
            case Frontend.COPY_DONE, Frontend.COPY_FAIL -> {
                if (copyIn) {
                    copyIn = false;
                } else {
                    replies.push(ReplyQueue.COPY_END, 0, 0, null);
                    emitSynthetics();
                }
                toServer.add(frame);
            }
            default -> toServer.add(frame); // Flush; CopyData of the running COPY
        }
    }

    private void extendedMessage(boolean freeOfServerEffects) {
        unsynced = true;
        unpinnable &= freeOfServerEffects;
    }

    private void sendQuery(ByteBuf frame) {
        unsynced = false;
        unpinnable = true;
        SqlCommand command = statements.inspectsSql()
                ? SqlCommand.of(frame, frame.readerIndex() + Frames.HEADER_SIZE) : SqlCommand.OTHER;
        if (statements.rewrites()) {
            if (command.isDeallocate()) {
                if (command.deallocatesAll()) {
                    statements.client().forgetBefore(statements.client().nextGeneration());
                    frame.release();
                    replies.push(ReplyQueue.SYNTHETIC, 0, 0, new LocalCommand("DEALLOCATE ALL"));
                    emitSynthetics();
                    return;
                }
                if (statements.client().unregister(command.statementName())) {
                    frame.release();
                    replies.push(ReplyQueue.SYNTHETIC, 0, 0, new LocalCommand("DEALLOCATE"));
                    emitSynthetics();
                    return;
                }
            }
        }
        if (command.isPrepare() && statements.refusesSqlPrepare()) {
            frame.release();
            replies.push(ReplyQueue.QUERY, 0, System.nanoTime(), new Refusal(StatementContext.sqlPrepareRefused()));
            toServer.add(new Query(REFUSAL_SQL).encode(alloc));
            return;
        }
        replies.push(ReplyQueue.QUERY, 0, System.nanoTime(), command.changesSetting() ? command : null);
        toServer.add(frame);
    }

    private void sendParse(ByteBuf frame) {
        boolean unnamed = isUnnamedParse(frame);
        if (unnamed && statements.tracksSettings()) {
            SqlCommand command = SqlCommand.of(frame, frame.readerIndex() + Frames.HEADER_SIZE + 1);
            unnamedStatementCommand = command.changesSetting() ? command : null;
        }
        if (!statements.inspectsNames() || unnamed) {
            extendedMessage(false);
            replies.push(ReplyQueue.PARSE, 0, 0, null);
            toServer.add(frame);
            return;
        }
        Parse parse = Parse.decode(frame);
        frame.release();
        extendedMessage(true);
        ErrorResponse refusal = statements.refusalFor(parse);
        if (refusal != null) {
            refuseInPipeline(refusal);
            return;
        }
        ClientStatements.Registration registration = statements.client().register(parse.statement(), statements.keyOf(parse));
        PreparedStatement statement = registration.statement();
        Slot slot = server.statements().find(statement);
        if (slot != null && slot.state() != Slot.State.ABSENT) {
            if (slot.state() == Slot.State.PRESENT) {
                statements.registry().markValidated(statement);
            }
            replies.push(ReplyQueue.SYNTHETIC, 0, 0, new LocalParse(registration));
            emitSynthetics();
            return;
        }
        slot = newSlot(statement);
        replies.push(ReplyQueue.PARSE, 0, 0, new ParseAttempt(registration, slot));
        toServer.add(statement.parseMessage(alloc));
    }

    private void sendBind(ByteBuf frame) {
        extendedMessage(false);
        String statementName = Bind.statementOf(frame);
        if (frame.getByte(frame.readerIndex() + Frames.HEADER_SIZE) == 0) {
            unnamedPortalCommand = statementName.isEmpty() ? unnamedStatementCommand : null;
        }
        PreparedStatement statement = namedStatement(statements.rewrites() ? statementName : "");
        if (statement == null) {
            replies.push(ReplyQueue.BIND, 0, 0, null);
            toServer.add(frame);
            return;
        }
        ensurePrepared(statement);
        replies.push(ReplyQueue.BIND, 0, 0, null);
        sendBindNaming(frame, statement.serverName());
    }

    private void sendDescribe(ByteBuf frame) {
        Describe describe = Describe.decode(frame);
        if (describe.target() == Target.PORTAL) {
            extendedMessage(false);
            replies.push(ReplyQueue.DESCRIBE_PORTAL, 0, 0, null);
            toServer.add(frame);
            return;
        }
        PreparedStatement statement = namedStatement(statements.rewrites() ? describe.name() : "");
        extendedMessage(statement != null);
        if (statement == null) {
            replies.push(ReplyQueue.DESCRIBE_STATEMENT, 0, 0, null);
            toServer.add(frame);
            return;
        }
        frame.release();
        ensurePrepared(statement);
        replies.push(ReplyQueue.DESCRIBE_STATEMENT, 0, 0, null);
        toServer.add(new Describe(Target.STATEMENT, statement.serverName()).encode(alloc));
    }

    private void sendClose(ByteBuf frame) {
        Close close = Close.decode(frame);
        if (close.target() == Target.STATEMENT && statements.rewrites() && !close.name().isEmpty()) {
            // Postgres answers CloseComplete whether or not the name exists; the server keeps the statement.
            frame.release();
            extendedMessage(true);
            statements.client().unregister(close.name());
            replies.push(ReplyQueue.SYNTHETIC, 0, 0, Messages.closeComplete());
            emitSynthetics();
            return;
        }
        extendedMessage(false);
        replies.push(ReplyQueue.CLOSE, 0, 0, null);
        toServer.add(frame);
    }

    /** The statement behind a client's statement name; null for the unnamed one or an unknown name (the server reports it). */
    private PreparedStatement namedStatement(String name) {
        if (name.isEmpty()) {
            return null;
        }
        ClientStatements.Registration registration = statements.client().get(name);
        return registration != null ? registration.statement() : null;
    }

    /** Prepares {@code statement} on the server first if it lacks it; the ParseComplete is swallowed. */
    private void ensurePrepared(PreparedStatement statement) {
        Slot slot = server.statements().find(statement);
        if (slot != null && slot.state() != Slot.State.ABSENT) {
            return;
        }
        slot = newSlot(statement);
        replies.push(ReplyQueue.PARSE, ReplyQueue.SWALLOW, 0, slot);
        toServer.add(statement.parseMessage(alloc));
    }

    /** Makes room under {@code max_prepared_statements} (closing the least recently used), then a pending slot. */
    private Slot newSlot(PreparedStatement statement) {
        ServerStatements held = server.statements();
        while (held.size() >= statements.maxPerServer()) {
            Slot victim = held.leastRecentlyUsedExcept(statement);
            if (victim == null) {
                break;
            }
            held.remove(victim);
            replies.push(ReplyQueue.CLOSE, ReplyQueue.SWALLOW, 0, victim);
            toServer.add(victim.statement().closeMessage(alloc));
        }
        return held.addPending(statement);
    }

    /** Makes the server raise an error at this point of the pipeline; the client sees {@code error}. */
    private void refuseInPipeline(ErrorResponse error) {
        replies.push(ReplyQueue.PARSE, 0, 0, new Refusal(error));
        toServer.add(new Parse(REFUSAL_STATEMENT, REFUSAL_SQL, new int[0]).encode(alloc));
    }

    private static boolean isUnnamedParse(ByteBuf frame) {
        return frame.getByte(frame.readerIndex() + Frames.HEADER_SIZE) == 0;
    }

    /** Sends the same Bind naming {@code statement}: a new header and names, then the original values, not copied. */
    private void sendBindNaming(ByteBuf frame, String statement) {
        int bodyStart = frame.readerIndex() + Frames.HEADER_SIZE;
        int end = frame.writerIndex();
        int portalEnd = frame.forEachByte(bodyStart, end - bodyStart, ByteProcessor.FIND_NUL);
        int statementEnd = frame.forEachByte(portalEnd + 1, end - portalEnd - 1, ByteProcessor.FIND_NUL);
        byte[] name = statement.getBytes(StandardCharsets.UTF_8);
        int restLength = end - statementEnd - 1;
        int portalLength = portalEnd - bodyStart + 1;
        ByteBuf head = alloc.buffer(Frames.HEADER_SIZE + portalLength + name.length + 1);
        head.writeByte(Frontend.BIND);
        head.writeInt(4 + portalLength + name.length + 1 + restLength);
        head.writeBytes(frame, bodyStart, portalLength);
        head.writeBytes(name);
        head.writeByte(0);
        ByteBuf rest = frame.retainedSlice(statementEnd + 1, restLength);
        frame.release();
        toServer.add(head);
        toServer.add(rest);
    }

    // ---------------------------------------------------------------- from the server

    /** One frame from the server; takes ownership of it. */
    void onServerFrame(ByteBuf frame) {
        byte type = Frames.type(frame);
        emitSynthetics();
        if (type == Backend.PARAMETER_STATUS || type == Backend.NOTICE_RESPONSE || type == Backend.NOTIFICATION_RESPONSE) {
            onAsyncMessage(frame, type);
            return;
        }
        if (replies.isEmpty()) {
            if (type == Backend.ERROR_RESPONSE && ErrorResponse.decode(frame).isFatal()) {
                // The server is going away (shutdown, terminated backend) and says why before it closes.
                toClientAsError(frame, null);
                return;
            }
            frame.release();
            events.onLostTrack("server sent message " + Frames.describeType(type) + " that nothing asked for");
            return;
        }
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

    private void onAsyncMessage(ByteBuf frame, byte type) {
        InjectedQuery injected = currentInjected();
        if (type == Backend.PARAMETER_STATUS) {
            ParameterStatus status = ParameterStatus.decode(frame);
            server.parameters().report(status.name(), status.value());
            if (injected == null) {
                events.onClientParameterStatus(status.name(), status.value());
            }
        }
        if (injected != null) {
            frame.release();
        } else {
            events.toClient(frame);
        }
    }

    private void onQueryReply(ByteBuf frame, byte type) {
        boolean swallowed = replies.headSwallowed();
        Object attachment = replies.headAttachment();
        if (type == Backend.READY_FOR_QUERY) {
            status = ReadyForQuery.statusOf(frame);
            long sentAt = replies.headNumber();
            replies.pop();
            if (swallowed) {
                frame.release();
                events.onInjectedQueryDone((InjectedQuery) attachment);
            } else {
                applySettingsOutsideTransaction();
                events.onQueryDone(System.nanoTime() - sentAt);
                events.toClient(frame);
            }
            emitSynthetics();
            return;
        }
        if (type == Backend.COMMAND_COMPLETE) {
            onCommandComplete(frame, attachment);
        } else if (type == Backend.COPY_IN_RESPONSE) {
            copyIn = !replies.dropSyncsBeforeCopyEnd();
        }
        if (swallowed) {
            try {
                ((InjectedQuery) attachment).onFrame(frame);
            } finally {
                frame.release();
            }
        } else if (type == Backend.ERROR_RESPONSE) {
            copyIn = false;
            toClientAsError(frame, attachment);
        } else {
            events.toClient(frame);
        }
    }

    private void onSyncReply(ByteBuf frame, byte type) {
        if (type != Backend.READY_FOR_QUERY) {
            frame.release();
            events.onLostTrack("server answered a Sync with " + Frames.describeType(type));
            return;
        }
        status = ReadyForQuery.statusOf(frame);
        boolean swallowed = replies.headSwallowed();
        long sentAt = replies.headNumber();
        replies.pop();
        if (swallowed) {
            frame.release();
        } else {
            errorSinceSync = false;
            applySettingsOutsideTransaction();
            events.onQueryDone(System.nanoTime() - sentAt);
            events.toClient(frame);
        }
        emitSynthetics();
    }

    private void onExtendedReply(ByteBuf frame, byte type, byte kind) {
        int expected = isReplyTo(kind, type);
        if (expected == NOT_A_REPLY) {
            frame.release();
            events.onLostTrack("server answered " + kindName(kind) + " with " + Frames.describeType(type));
            return;
        }
        if (type == Backend.COPY_IN_RESPONSE) {
            copyIn = !replies.dropSyncsBeforeCopyEnd();
        }
        if (replies.headSwallowed()) {
            frame.release();
        } else {
            if (type == Backend.COMMAND_COMPLETE) {
                onCommandComplete(frame, replies.headAttachment());
            }
            events.toClient(frame);
        }
        if (expected == LAST_REPLY) {
            onSucceeded(kind, replies.headAttachment());
            replies.pop();
            emitSynthetics();
        }
    }

    private static final int NOT_A_REPLY = 0;
    private static final int MORE_REPLIES = 1;
    private static final int LAST_REPLY = 2;

    private static int isReplyTo(byte kind, byte type) {
        switch (kind) {
            case ReplyQueue.PARSE:
                return type == Backend.PARSE_COMPLETE ? LAST_REPLY : NOT_A_REPLY;
            case ReplyQueue.BIND:
                return type == Backend.BIND_COMPLETE ? LAST_REPLY : NOT_A_REPLY;
            case ReplyQueue.CLOSE:
                return type == Backend.CLOSE_COMPLETE ? LAST_REPLY : NOT_A_REPLY;
            case ReplyQueue.DESCRIBE_STATEMENT:
                if (type == Backend.PARAMETER_DESCRIPTION) {
                    return MORE_REPLIES;
                }
                return type == Backend.ROW_DESCRIPTION || type == Backend.NO_DATA ? LAST_REPLY : NOT_A_REPLY;
            case ReplyQueue.DESCRIBE_PORTAL:
                return type == Backend.ROW_DESCRIPTION || type == Backend.NO_DATA ? LAST_REPLY : NOT_A_REPLY;
            case ReplyQueue.EXECUTE:
                switch (type) {
                    case Backend.COMMAND_COMPLETE, Backend.EMPTY_QUERY_RESPONSE, Backend.PORTAL_SUSPENDED:
                        return LAST_REPLY;
                    case Backend.DATA_ROW, Backend.COPY_IN_RESPONSE, Backend.COPY_OUT_RESPONSE, Backend.COPY_BOTH_RESPONSE,
                         Backend.COPY_DATA, Backend.COPY_DONE:
                        return MORE_REPLIES;
                    default:
                        return NOT_A_REPLY;
                }
            default:
                return NOT_A_REPLY;
        }
    }

    /** The head entry's message failed: the server now skips everything up to the next Sync. */
    private void onExtendedError(ByteBuf frame) {
        copyIn = false;
        byte kind = replies.headKind();
        Object attachment = replies.headAttachment();
        onFailed(kind, attachment);
        replies.pop();
        // An injected Parse that fails (the statement no longer compiles) reports the client's next step failing.
        toClientAsError(frame, attachment);
        errorSinceSync = true;
        while (!replies.isEmpty() && replies.headKind() != ReplyQueue.SYNC) {
            onSkipped(replies.headKind(), replies.headSwallowed(), replies.headAttachment());
            replies.pop();
        }
        skipping = replies.isEmpty();
    }

    private void toClientAsError(ByteBuf frame, Object attachment) {
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

    private void onSucceeded(byte kind, Object attachment) {
        if (attachment instanceof ParseAttempt attempt) {
            attempt.slot().markPresent();
            statements.registry().markValidated(attempt.slot().statement());
        } else if (attachment instanceof Slot slot) {
            if (kind == ReplyQueue.PARSE) {
                slot.markPresent();
                statements.registry().markValidated(slot.statement());
            } else {
                slot.markAbsent();
            }
        }
    }

    private void onFailed(byte kind, Object attachment) {
        if (attachment instanceof ParseAttempt attempt) {
            // A failed Parse leaves no name behind, as in Postgres.
            statements.client().undo(attempt.registration());
            attempt.slot().markAbsent();
            server.statements().remove(attempt.slot());
        } else if (attachment instanceof Slot slot && kind == ReplyQueue.PARSE) {
            slot.markAbsent();
            server.statements().remove(slot);
        }
    }

    /** A message the server skipped after an error: no reply will come for it. */
    private void onSkipped(byte kind, boolean swallowed, Object attachment) {
        if (kind == ReplyQueue.SYNTHETIC) {
            if (attachment instanceof ByteBuf synthetic) {
                synthetic.release();
            } else if (attachment instanceof LocalParse parse) {
                statements.client().undo(parse.registration());
            }
        } else if (kind == ReplyQueue.CLOSE && swallowed && attachment instanceof Slot evicted) {
            if (evicted.state() == Slot.State.PRESENT) {
                server.statements().restore(evicted);
            }
        } else {
            onFailed(kind, attachment);
        }
    }

    /**
     * A command completed. The tags that matter: a client SET/RESET (kept until the transaction is
     * over), ROLLBACK (which undoes them), PREPARE (an SQL statement that must not
     * outlive the client's hold on this server), {@code DISCARD ALL} and {@code DEALLOCATE ALL}
     * (which empty the server of statements, and DISCARD ALL of settings).
     */
    private void onCommandComplete(ByteBuf frame, Object attachment) {
        if (attachment instanceof SqlCommand setting) {
            if (settingsInTransaction == null) {
                settingsInTransaction = new ArrayList<>(2);
            }
            settingsInTransaction.add(setting);
        }
        int tagStart = frame.readerIndex() + Frames.HEADER_SIZE;
        int tagLength = frame.writerIndex() - tagStart - 1;
        switch (frame.getByte(tagStart)) {
            case 'R' -> {
                if (isTag(frame, tagStart, tagLength, ROLLBACK)) {
                    settingsInTransaction = null;
                }
            }
            case 'P' -> {
                if (isTag(frame, tagStart, tagLength, PREPARE) && statements.refusesSqlPrepare()) {
                    sqlPrepared = true;
                }
            }
            case 'D' -> {
                if (isTag(frame, tagStart, tagLength, DISCARD_ALL)) {
                    server.statements().clear();
                    server.parameters().resetApplied();
                    if (!replies.headSwallowed()) {
                        statements.client().forgetBefore(statements.client().nextGeneration());
                        settingsInTransaction = null;
                        events.onClientSettingChanged(new SqlCommand(SqlCommand.Kind.RESET_ALL, null, null));
                    }
                } else if (isTag(frame, tagStart, tagLength, DEALLOCATE_ALL)) {
                    server.statements().clear();
                }
            }
            default -> {
            }
        }
    }

    private static final byte[] ROLLBACK = tag("ROLLBACK");

    private void applySettingsOutsideTransaction() {
        if (settingsInTransaction != null && status == TransactionStatus.IDLE) {
            List<SqlCommand> done = settingsInTransaction;
            settingsInTransaction = null;
            done.forEach(events::onClientSettingChanged);
        }
    }
    private static final byte[] PREPARE = tag("PREPARE");
    private static final byte[] DISCARD_ALL = tag("DISCARD ALL");
    private static final byte[] DEALLOCATE_ALL = tag("DEALLOCATE ALL");

    private static byte[] tag(String tag) {
        return tag.getBytes(StandardCharsets.US_ASCII);
    }

    private static boolean isTag(ByteBuf frame, int start, int length, byte[] tag) {
        if (length != tag.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (frame.getByte(start + i) != tag[i]) {
                return false;
            }
        }
        return true;
    }

    /** Emits the synthetic replies at the head of the queue: everything before them has been answered. */
    private void emitSynthetics() {
        while (!replies.isEmpty() && (replies.headKind() == ReplyQueue.SYNTHETIC || replies.headKind() == ReplyQueue.COPY_END)) {
            Object reply = replies.headAttachment();
            replies.pop();
            if (reply instanceof ByteBuf frame) {
                events.toClient(frame);
            } else if (reply instanceof LocalParse) {
                events.toClient(Messages.parseComplete());
            } else if (reply instanceof LocalCommand command) {
                if (status == TransactionStatus.FAILED) {
                    ErrorResponse aborted = StatementContext.transactionAborted();
                    events.onErrorToClient(aborted.sqlState());
                    events.toClient(aborted.encode(alloc));
                } else {
                    events.toClient(new CommandComplete(command.tag()).encode(alloc));
                }
                events.toClient(new ReadyForQuery(status).encode(alloc));
            }
        }
    }

    private static String kindName(byte kind) {
        return switch (kind) {
            case ReplyQueue.PARSE -> "Parse";
            case ReplyQueue.BIND -> "Bind";
            case ReplyQueue.DESCRIBE_STATEMENT, ReplyQueue.DESCRIBE_PORTAL -> "Describe";
            case ReplyQueue.EXECUTE -> "Execute";
            case ReplyQueue.CLOSE -> "Close";
            case ReplyQueue.SYNC -> "Sync";
            default -> "Query";
        };
    }

    /** Releases what the queue still holds (the link is dropped). */
    void discard() {
        while (!replies.isEmpty()) {
            if (replies.headAttachment() instanceof ByteBuf synthetic) {
                synthetic.release();
            }
            replies.pop();
        }
    }
}
