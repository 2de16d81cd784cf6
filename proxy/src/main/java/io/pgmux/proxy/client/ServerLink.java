package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.Bind;
import io.pgmux.protocol.message.Close;
import io.pgmux.protocol.message.CommandComplete;
import io.pgmux.protocol.message.Describe;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Messages;
import io.pgmux.protocol.message.ParameterStatus;
import io.pgmux.protocol.message.ReadyForQuery;
import io.pgmux.protocol.message.Target;
import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.client.NamedStatements.DiscardAll;
import io.pgmux.proxy.client.NamedStatements.LocalClose;
import io.pgmux.proxy.client.NamedStatements.LocalDeallocate;
import io.pgmux.proxy.client.NamedStatements.LocalParse;
import io.pgmux.proxy.client.NamedStatements.Refusal;
import io.pgmux.proxy.net.Outbox;
import io.pgmux.proxy.sql.MultiStatementQuery;
import io.pgmux.proxy.sql.SetConfigCalls;
import io.pgmux.proxy.sql.SqlCommand;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * One client holding one server: everything sent to the server passes {@link #sendFromClient} and
 * everything it answers passes {@link #onServerFrame}, so the link knows at every moment what the
 * server still owes ({@link ReplyQueue}) and whether the server may go back to its pool.
 *
 * <p>Replies pgmux makes itself (a ParseComplete for a statement the server holds, a CloseComplete,
 * DEALLOCATE) and replies it swallows (statements prepared on the client's behalf, its own queries)
 * keep their exact place in the stream. After an error the server skips to the next Sync, and so
 * does the queue: nothing made up is sent for a skipped message, and what pgmux did for it when
 * sending is undone. A message whose rewriting would depend on such an outcome, still unknown for
 * an earlier Sync segment, waits ({@code stalled}) until it is known. Errors pgmux must raise in the
 * middle of a pipeline are raised by the server itself from a message that must fail, and their
 * text replaced, so the transaction and the skip-to-Sync behave exactly as Postgres would.
 */
final class ServerLink {

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

        /** The client's value of a setting (what its SQL means depends on some), or null. */
        default String clientSetting(String name) {
            return null;
        }
    }

    final ServerConnection server;
    final long linkedAtNanos = System.nanoTime();
    /** The server's reading is paused because the client cannot take more. */
    boolean serverPaused;
    /** The server sent a FATAL error to the client: it is about to close. */
    boolean serverFatal;

    private final StatementContext statements;
    /** Made on first use: most transactions never name a statement. */
    private NamedStatements named;
    private final Outbox toServer;
    private final ByteBufAllocator alloc;
    private final Events events;
    /** Whether the client's plain strings take backslash escapes; asked only when pgmux reads a query's text. */
    private final BooleanSupplier backslashEscapes = this::clientStringsTakeBackslashEscapes;
    private final ReplyQueue replies;
    /** Client messages that wait for an earlier outcome before they can be rewritten and sent, in order. */
    private final ArrayDeque<ByteBuf> stalled = new ArrayDeque<>(2);
    private TransactionStatus status = TransactionStatus.IDLE;
    /** Sync segments sent so far: an error skips everything up to the end of its segment. */
    private long segment = 1;
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
    /** What the client's unnamed statement and portal do, when it is a command pgmux follows (SET, RESET, DISCARD ALL). */
    private SqlCommand unnamedStatementCommand;
    private Object unnamedPortalAttachment;
    /**
     * SETs and RESETs that completed and wait for the next ReadyForQuery: they count once the
     * server is out of any transaction (committed or autocommit), not if a ROLLBACK came first.
     * (Postgres reports changed settings just before ReadyForQuery, so that is also when a RESET's
     * server default has arrived and the client's startup value can take its place.)
     */
    private List<SqlCommand> settingsInTransaction;
    /** The client ran SQL PREPARE (inside a larger query): its statement must not outlive the transaction. */
    private boolean sqlPrepared;

    ServerLink(ServerConnection server, StatementContext statements, ReplyQueue replies, Outbox toServer,
            ByteBufAllocator alloc, Events events) {
        this.server = server;
        this.statements = statements;
        this.replies = replies;
        this.toServer = toServer;
        this.alloc = alloc;
        this.events = events;
    }

    private NamedStatements named() {
        if (named == null) {
            named = new NamedStatements(statements, server, replies, toServer, alloc);
        }
        return named;
    }

    // ---------------------------------------------------------------- the link's state

    /** Nothing owed, nothing unsynced or waiting, no transaction: the server may go back to the pool. */
    boolean isClean() {
        return replies.isEmpty() && stalled.isEmpty() && !unsynced && status == TransactionStatus.IDLE;
    }

    /** Nothing owed, but a transaction is open (or failed): a ROLLBACK makes the server clean. */
    boolean needsOnlyRollback() {
        return replies.isEmpty() && stalled.isEmpty() && !unsynced && status != TransactionStatus.IDLE;
    }

    /**
     * Everything is answered and the client's unsynced messages only prepared, described or
     * closed named statements, outside any transaction: nothing of it lives on this server, so the
     * server can be let go before the client's Sync (after pgmux's own Sync, see {@link #unpin}).
     */
    boolean canUnpin() {
        return replies.isEmpty() && stalled.isEmpty() && unsynced && unpinnable && status == TransactionStatus.IDLE;
    }

    /** Sends a Sync of pgmux's own, so the server ends the implicit transaction and can be released. */
    void unpin() {
        pushSync(ReplyQueue.SWALLOW, 0);
        toServer.add(Messages.sync());
    }

    /** The client must see messages up to its next Sync ignored, as after an error in Postgres. */
    boolean errorSinceSync() {
        return errorSinceSync;
    }

    boolean inTransaction() {
        return status != TransactionStatus.IDLE;
    }

    /** Client messages wait for an earlier outcome: the client should not send more for now. */
    boolean isStalled() {
        return !stalled.isEmpty();
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

    /**
     * A client message, rewritten or answered as needed; takes ownership of the frame.
     *
     * @throws io.pgmux.protocol.ProtocolException for a malformed message (the frame is released)
     */
    void sendFromClient(ByteBuf frame, byte type) {
        try {
            if (!stalled.isEmpty() || mustWait(frame, type)) {
                if (stalled.isEmpty()) {
                    // The replies it waits for may sit in the server's output buffer until a Flush or Sync,
                    // and the client's own may be the next message, held back behind this one.
                    toServer.add(Messages.flush());
                }
                stalled.addLast(frame);
                return;
            }
        } catch (RuntimeException e) {
            frame.release();
            throw e;
        }
        send(frame, type);
    }

    private void send(ByteBuf frame, byte type) {
        if (skipping && type != Frontend.SYNC) {
            frame.release();
            return;
        }
        if (copyIn && !isCopyInMessage(type)) {
            // Postgres ends the session for this ("protocol synchronization was lost"); pgmux refuses it first.
            frame.release();
            throw new ProtocolException("unexpected message type " + Frames.describeType(type)
                    + " during COPY FROM STDIN: only CopyData, CopyDone, CopyFail, Flush and Sync may be sent");
        }
        switch (type) {
            case Frontend.QUERY -> sendQuery(frame);
            case Frontend.SYNC -> {
                if (copyIn) {
                    toServer.add(frame);
                    return;
                }
                pushSync(0, System.nanoTime());
                toServer.add(frame);
            }
            case Frontend.FUNCTION_CALL -> {
                replies.push(ReplyQueue.QUERY, 0, System.nanoTime(), null);
                toServer.add(frame);
            }
            case Frontend.PARSE -> sendParse(frame);
            case Frontend.BIND -> {
                extendedMessage(false);
                int body = frame.readerIndex() + Frames.HEADER_SIZE;
                boolean unnamedPortalOfUnnamedStatement = frame.getByte(body) == 0 && frame.getByte(body + 1) == 0;
                if (frame.getByte(body) == 0) {
                    unnamedPortalAttachment = unnamedPortalOfUnnamedStatement ? unnamedStatementAttachment() : null;
                }
                if (statements.rewrites() && (named != null || !unnamedPortalOfUnnamedStatement)) {
                    named().bind(frame, segment);
                } else {
                    replies.push(ReplyQueue.BIND, 0, 0, null);
                    toServer.add(frame);
                }
            }
            case Frontend.DESCRIBE -> sendDescribe(frame);
            case Frontend.EXECUTE -> {
                extendedMessage(false);
                if (named != null && named.executeLocally(frame)) {
                    emitLocalReplies();
                    return;
                }
                boolean unnamedPortal = frame.getByte(frame.readerIndex() + Frames.HEADER_SIZE) == 0;
                replies.push(ReplyQueue.EXECUTE, 0, 0, unnamedPortal ? unnamedPortalAttachment : null);
                toServer.add(frame);
            }
            case Frontend.CLOSE -> sendClose(frame);
            case Frontend.COPY_DONE, Frontend.COPY_FAIL -> {
                if (copyIn) {
                    copyIn = false;
                } else {
                    replies.push(ReplyQueue.COPY_END, 0, 0, null);
                    emitLocalReplies();
                }
                toServer.add(frame);
            }
            default -> toServer.add(frame); // Flush; CopyData of the running COPY
        }
        emitLocalReplies();
    }

    private static boolean isCopyInMessage(byte type) {
        return switch (type) {
            case Frontend.COPY_DATA, Frontend.COPY_DONE, Frontend.COPY_FAIL, Frontend.FLUSH, Frontend.SYNC -> true;
            default -> false;
        };
    }

    /** Decodes a message pgmux acts on; a malformed one is released and reported before anything is done for it. */
    static <T> T decode(ByteBuf frame, Function<ByteBuf, T> decoder) {
        try {
            return decoder.apply(frame);
        } catch (RuntimeException e) {
            frame.release();
            throw e;
        }
    }

    private void pushSync(int flags, long sentAt) {
        replies.push(ReplyQueue.SYNC, flags, sentAt, null);
        segment++;
        unsynced = false;
        unpinnable = true;
        skipping = false;
    }

    private void extendedMessage(boolean freeOfServerEffects) {
        unsynced = true;
        unpinnable &= freeOfServerEffects;
    }

    /**
     * Whether this message must wait: a message about named statements while an earlier outcome
     * it depends on is unknown, and a DEALLOCATE until nothing is owed (it is answered by pgmux
     * in the transaction state of that moment).
     */
    private boolean mustWait(ByteBuf frame, byte type) {
        if (!statements.rewrites() || copyIn) {
            return false; // during COPY FROM STDIN nothing is owed that could be waited for, and nothing else may come
        }
        int body = frame.readerIndex() + Frames.HEADER_SIZE;
        if (frame.readableBytes() < Frames.HEADER_SIZE + 2) {
            return false;
        }
        switch (type) {
            case Frontend.PARSE:
                if (frame.getByte(body) != 0) {
                    return named().blocks(segment);
                }
                return !replies.isEmpty() && SqlCommand.of(frame, body + 1).isDeallocate();
            case Frontend.QUERY:
                return !replies.isEmpty() && SqlCommand.of(frame, body).isDeallocate();
            case Frontend.BIND:
                int portalEnd = frame.forEachByte(body, frame.writerIndex() - body, io.netty.util.ByteProcessor.FIND_NUL);
                return portalEnd >= 0 && portalEnd + 1 < frame.writerIndex() && frame.getByte(portalEnd + 1) != 0
                        && named().blocks(segment);
            case Frontend.DESCRIBE, Frontend.CLOSE:
                return frame.getByte(body) == 'S' && frame.getByte(body + 1) != 0 && named().blocks(segment);
            default:
                return false;
        }
    }

    /** Sends what waited, as far as the outcomes it needed are known now. */
    private void sendStalled() {
        while (!stalled.isEmpty()) {
            ByteBuf frame = stalled.peekFirst();
            byte type = Frames.type(frame);
            if (mustWait(frame, type)) {
                return;
            }
            stalled.pollFirst();
            send(frame, type);
        }
    }

    private void sendQuery(ByteBuf frame) {
        unsynced = false;
        unpinnable = true;
        SqlCommand command = statements.inspectsSql()
                ? SqlCommand.of(frame, frame.readerIndex() + Frames.HEADER_SIZE) : SqlCommand.OTHER;
        if (command.isDeallocate() && statements.rewrites() && named().queryLocalDeallocate(frame, command, status)) {
            emitLocalReplies();
            return;
        }
        if (statements.refusesSqlPrepare() && (command.isPrepare()
                || MultiStatementQuery.hasLaterPrepare(frame, frame.readerIndex() + Frames.HEADER_SIZE))) {
            frame.release();
            named().refuseQuery(StatementContext.sqlPrepareRefused(), System.nanoTime());
            return;
        }
        Object attachment = attachmentFor(command);
        if (statements.tracksSettings()) {
            int sql = frame.readerIndex() + Frames.HEADER_SIZE;
            List<SqlCommand> multiStatement = MultiStatementQuery.statementsMentioningSet(frame, sql, backslashEscapes);
            if (multiStatement != null) {
                attachment = new MultiStatementSettings(multiStatement.stream().map(this::followable).toList());
                // The client keeps the SETs pgmux reads in it. When there are some, or the text has a
                // backslash (the one place where reading SQL depends on more than the text), the server
                // is also reset before others use it, in case pgmux misread: an UPDATE ... SET costs nothing.
                boolean setsSomething = multiStatement.stream().anyMatch(c -> c.changesSetting() || c.isUnfollowed());
                if (setsSomething || MultiStatementQuery.hasBackslash(frame, sql)) {
                    server.parameters().markUnknown();
                }
            }
            if (SetConfigCalls.maySetConfigForTheSession(frame, sql)) {
                server.parameters().markUnknown();
            }
        }
        replies.push(ReplyQueue.QUERY, 0, System.nanoTime(), attachment);
        toServer.add(frame);
    }

    private void sendParse(ByteBuf frame) {
        boolean unnamed = frame.getByte(frame.readerIndex() + Frames.HEADER_SIZE) == 0;
        if (unnamed) {
            SqlCommand command = statements.inspectsSql()
                    ? SqlCommand.of(frame, frame.readerIndex() + Frames.HEADER_SIZE + 1) : SqlCommand.OTHER;
            if (command.isDeallocate() && statements.rewrites() && named().parseLocalDeallocate(frame, command, status)) {
                return;
            }
            if (named != null) {
                named.forgetLocalUnnamed();
            }
            unnamedStatementCommand = command;
            if (statements.tracksSettings() && SetConfigCalls.maySetConfigForTheSession(frame, frame.readerIndex() + Frames.HEADER_SIZE + 1)) {
                server.parameters().markUnknown();
            }
        }
        if (!statements.inspectsNames() || unnamed) {
            extendedMessage(false);
            replies.push(ReplyQueue.PARSE, 0, 0, null);
            toServer.add(frame);
            return;
        }
        extendedMessage(true);
        named().parse(frame, segment, replies.isEmpty() ? status : null);
    }

    private void sendDescribe(ByteBuf frame) {
        Describe describe = decode(frame, Describe::decode);
        boolean handled = statements.rewrites() && named().describe(frame, describe, segment);
        extendedMessage(describe.target() == Target.STATEMENT && !describe.name().isEmpty() && statements.rewrites());
        if (!handled) {
            replies.push(describe.target() == Target.PORTAL ? ReplyQueue.DESCRIBE_PORTAL : ReplyQueue.DESCRIBE_STATEMENT, 0, 0, null);
            toServer.add(frame);
        }
    }

    private void sendClose(ByteBuf frame) {
        Close close = decode(frame, Close::decode);
        if (statements.rewrites()) {
            if (close.target() == Target.STATEMENT && !close.name().isEmpty()) {
                extendedMessage(true);
                named().closeStatement(frame, close.name(), segment);
                return;
            }
            if (close.name().isEmpty() && named().closeLocalUnnamed(frame)) {
                extendedMessage(true);
                return;
            }
        }
        extendedMessage(false);
        replies.push(ReplyQueue.CLOSE, 0, 0, null);
        toServer.add(frame);
    }

    /** What a QUERY or EXECUTE entry of this command carries: a setting change (followed or not), or a DISCARD ALL. */
    private Object attachmentFor(SqlCommand command) {
        if (command.kind() == SqlCommand.Kind.DISCARD_ALL) {
            return new DiscardAll(statements.client().nextGeneration());
        }
        return (command.changesSetting() || command.isUnfollowed()) && statements.tracksSettings() ? followable(command) : null;
    }

    private boolean clientStringsTakeBackslashEscapes() {
        return "off".equalsIgnoreCase(events.clientSetting("standard_conforming_strings"));
    }

    /**
     * The command, or {@link SqlCommand#UNFOLLOWED} for a value pgmux may have read wrong: text beyond
     * ASCII from a client whose encoding is not UTF-8 (pgmux reads SQL as UTF-8).
     */
    private SqlCommand followable(SqlCommand command) {
        boolean utf8 = "UTF8".equalsIgnoreCase(events.clientSetting("client_encoding"))
                || "UTF-8".equalsIgnoreCase(events.clientSetting("client_encoding"));
        if (command.value() != null && !utf8 && !command.value().chars().allMatch(c -> c < 0x80)) {
            return SqlCommand.UNFOLLOWED;
        }
        return command;
    }

    private Object unnamedStatementAttachment() {
        return unnamedStatementCommand != null ? attachmentFor(unnamedStatementCommand) : null;
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
        sendStalled();
    }

    private void onAsyncMessage(ByteBuf frame, byte type) {
        InjectedQuery injected = currentInjected();
        if (type == Backend.PARAMETER_STATUS) {
            ParameterStatus status = ParameterStatus.decode(frame);
            server.parameters().report(status.name(), status.value());
            if (injected == null) {
                events.onClientParameterStatus(status.name(), status.value());
                if (status.name().equalsIgnoreCase("session_authorization")) {
                    // other clients do not carry the login user's name: only a reset takes it back for them
                    server.parameters().markUnknown();
                }
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
                if (attachment instanceof MultiStatementSettings multiStatement) {
                    multiStatement.takeCompleted().forEach(this::keepUntilTransactionEnds);
                }
                applySettingsOutsideTransaction();
                events.onQueryDone(System.nanoTime() - sentAt);
                events.toClient(frame);
            }
            emitLocalReplies();
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
            if (attachment instanceof MultiStatementSettings multiStatement) {
                multiStatement.discard();
            }
            forgetSettingsOnError();
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
        emitLocalReplies();
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
            // The Syncs the server ignores do not end the implicit transaction holding the COPY.
            unsynced = true;
            unpinnable = false;
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
            if (replies.headAttachment() != null) {
                named().onSucceeded(replies.headAttachment());
            }
            replies.pop();
            emitLocalReplies();
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
        if (attachment != null) {
            named().onFailed(attachment);
        }
        replies.pop();
        forgetSettingsOnError();
        // An injected Parse that fails (the statement no longer compiles) reports the client's next step failing.
        toClientAsError(frame, attachment);
        errorSinceSync = true;
        while (!replies.isEmpty() && replies.headKind() != ReplyQueue.SYNC) {
            if (replies.headAttachment() != null) {
                named().onSkipped(replies.headAttachment());
            }
            replies.pop();
        }
        if (replies.isEmpty()) {
            skipping = true;
            unsynced = true;
        }
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

    /**
     * A command completed. The tags that matter: a client SET/RESET (kept until the transaction is
     * over; in a multi-statement query, until a COMMIT in it or its end), ROLLBACK (which undoes
     * them), PREPARE (an SQL statement that must not outlive the client's hold on this server),
     * {@code DISCARD ALL} and {@code DEALLOCATE ALL} (which empty the server of statements, and
     * DISCARD ALL of settings).
     */
    private void onCommandComplete(ByteBuf frame, Object attachment) {
        MultiStatementSettings multiStatement = attachment instanceof MultiStatementSettings multi ? multi : null;
        if (attachment instanceof SqlCommand setting) {
            if (setting.isUnfollowed()) {
                server.parameters().markUnknown();
            } else {
                keepUntilTransactionEnds(setting);
            }
        } else if (multiStatement != null) {
            multiStatement.onStatementComplete();
        }
        int tagStart = frame.readerIndex() + Frames.HEADER_SIZE;
        int tagLength = frame.writerIndex() - tagStart - 1;
        switch (frame.getByte(tagStart)) {
            case 'R' -> {
                if (isTag(frame, tagStart, tagLength, ROLLBACK)) {
                    // ROLLBACK TO SAVEPOINT has the same tag and undoes only the SETs after the savepoint:
                    // the ones before stay on the server. Which is which is unknown here, so the client
                    // forgets them all and the server is reset before anyone uses it next.
                    if (settingsInTransaction != null || (multiStatement != null && multiStatement.hasUncommitted())) {
                        server.parameters().markUnknown();
                    }
                    settingsInTransaction = null;
                    if (multiStatement != null) {
                        multiStatement.discard();
                    }
                }
            }
            case 'C' -> {
                if (isTag(frame, tagStart, tagLength, COMMIT)) {
                    onCommitted(multiStatement);
                }
            }
            case 'P' -> {
                if (isTag(frame, tagStart, tagLength, PREPARE_TRANSACTION)) {
                    // the prepared transaction's SETs stay with the session, as at a COMMIT
                    onCommitted(multiStatement);
                }
                if (isTag(frame, tagStart, tagLength, PREPARE) && statements.refusesSqlPrepare()) {
                    sqlPrepared = true;
                }
            }
            case 'D' -> {
                if (isTag(frame, tagStart, tagLength, DISCARD_ALL)) {
                    server.parameters().resetApplied();
                    if (replies.headSwallowed()) {
                        server.statements().clear();
                    } else {
                        named().onDiscardAll(attachment instanceof DiscardAll ? attachment
                                : new DiscardAll(statements.client().nextGeneration()));
                        settingsInTransaction = null;
                        events.onClientSettingChanged(new SqlCommand(SqlCommand.Kind.DISCARD_ALL, null, null));
                    }
                } else if (isTag(frame, tagStart, tagLength, DEALLOCATE_ALL)) {
                    server.statements().clear();
                }
            }
            default -> {
            }
        }
    }

    /** The transaction committed: its SETs are the client's now (a later ROLLBACK cannot take them back). */
    private void onCommitted(MultiStatementSettings multiStatement) {
        if (multiStatement != null) {
            multiStatement.takeCompleted().forEach(this::keepUntilTransactionEnds);
        }
        List<SqlCommand> committed = settingsInTransaction;
        settingsInTransaction = null;
        if (committed != null) {
            committed.forEach(events::onClientSettingChanged);
        }
    }

    /**
     * An error ended the statement: Postgres rolls back the transaction's SETs with it (or will, at
     * the ROLLBACK a failed transaction needs). A savepoint may yet keep some: the client forgets
     * them and the server is reset before others use it.
     */
    private void forgetSettingsOnError() {
        if (settingsInTransaction != null) {
            settingsInTransaction = null;
            server.parameters().markUnknown();
        }
    }

    /** A client's SET or RESET completed: it holds for the client once its transaction commits. */
    private void keepUntilTransactionEnds(SqlCommand setting) {
        if (settingsInTransaction == null) {
            settingsInTransaction = new ArrayList<>(2);
        }
        settingsInTransaction.add(setting);
    }

    private static final byte[] ROLLBACK = tag("ROLLBACK");
    private static final byte[] COMMIT = tag("COMMIT");
    private static final byte[] PREPARE_TRANSACTION = tag("PREPARE TRANSACTION");
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

    private void applySettingsOutsideTransaction() {
        if (settingsInTransaction != null && status == TransactionStatus.IDLE) {
            List<SqlCommand> done = settingsInTransaction;
            settingsInTransaction = null;
            done.forEach(events::onClientSettingChanged);
        }
    }

    /** Emits the replies pgmux makes at the head of the queue: everything before them has been answered. */
    private void emitLocalReplies() {
        while (!replies.isEmpty() && (replies.headKind() == ReplyQueue.SYNTHETIC || replies.headKind() == ReplyQueue.COPY_END)) {
            Object reply = replies.headAttachment();
            replies.pop();
            if (reply instanceof ByteBuf frame) {
                events.toClient(frame);
            } else if (reply instanceof LocalParse) {
                events.toClient(Messages.parseComplete());
            } else if (reply instanceof LocalClose) {
                events.toClient(Messages.closeComplete());
            } else if (reply instanceof LocalDeallocate deallocate) {
                emitDeallocate(deallocate);
            }
        }
    }

    /** DEALLOCATE takes effect now, in the client's order: every reply before it has been given. */
    private void emitDeallocate(LocalDeallocate deallocate) {
        SqlCommand command = deallocate.command();
        if (command.deallocatesAll()) {
            statements.client().forgetBefore(statements.client().nextGeneration());
        } else {
            statements.client().unregister(command.statementName());
        }
        events.toClient(new CommandComplete(command.deallocatesAll() ? "DEALLOCATE ALL" : "DEALLOCATE").encode(alloc));
        if (deallocate.simpleQuery()) {
            events.toClient(new ReadyForQuery(status).encode(alloc));
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

    /** Releases what the link still holds (it is dropped). */
    void discard() {
        while (!replies.isEmpty()) {
            if (replies.headAttachment() instanceof ByteBuf synthetic) {
                synthetic.release();
            }
            replies.pop();
        }
        stalled.forEach(ByteBuf::release);
        stalled.clear();
    }
}
