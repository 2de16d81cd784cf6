package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ByteProcessor;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.Bind;
import io.pgmux.protocol.message.Describe;
import io.pgmux.protocol.message.Execute;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Parse;
import io.pgmux.protocol.message.Query;
import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.client.LocalReplies.ConstantReply;
import io.pgmux.proxy.net.Outbox;
import io.pgmux.proxy.prepared.ClientStatements.Registration;
import io.pgmux.proxy.prepared.PreparedStatement;
import io.pgmux.proxy.prepared.ServerStatements;
import io.pgmux.proxy.prepared.ServerStatements.Slot;
import io.pgmux.proxy.sql.FeatureUse;
import io.pgmux.proxy.sql.SessionFeatures;
import io.pgmux.proxy.sql.SetConfigCalls;
import io.pgmux.proxy.sql.SqlCommand;

import java.util.List;

/**
 * What the client's named prepared statements mean on the server it holds (mode {@code rewrite};
 * {@code reject} uses only the refusals). The client's names map to shared statements named after
 * their content; each operation here sends what the server needs and queues, in {@link ReplyQueue},
 * how its replies are handled. Operations change names and server statements when they are sent,
 * and carry what undoes them if the server skips or fails them; {@link ServerLink} stalls later
 * operations that would depend on an outcome still unknown (see {@link #blocks}). Made once per
 * session, when it first names a statement, and pointed at each server it holds ({@link #attach}).
 */
final class NamedStatements {
    /** pgmux asks the server to fail where it must report its own error, then swaps the text. */
    private static final String REFUSAL_STATEMENT = "pgmux_refused";
    private static final String REFUSAL_SQL = "pgmux refused this statement";

    /** The server fails a Parse or Query sent to raise an error; the client gets {@code error} in its place. */
    record Refusal(ErrorResponse error) implements ReplyQueue.Attachment {}

    /**
     * A queued operation that changes the client's names or the server's statements, which later
     * operations may depend on ({@link #blocks}); the queue counts them.
     */
    sealed interface StatementChange extends ReplyQueue.Attachment
            permits ParseAttempt, Prepare, Evict, LocalParse, LocalClose, LocalDeallocate, DiscardAll, LocalDeallocateAll {}

    /** A client Parse sent to the server; {@code slot} is null when the server already holds the statement. */
    record ParseAttempt(Registration registration, Slot slot) implements StatementChange {}

    /** pgmux prepares a statement the client uses on this server; its ParseComplete is swallowed. */
    record Prepare(Slot slot) implements StatementChange {}

    /** pgmux closes the least recently used statement to stay under {@code max_prepared_statements}. */
    record Evict(Slot slot) implements StatementChange {}

    /** A client Parse of a statement the server holds, answered by pgmux. */
    record LocalParse(Registration registration) implements StatementChange, LocalReplies.InTurn {}

    /** A client Close of a statement name, answered by pgmux; {@code removed} may be null (no such name). */
    record LocalClose(Registration removed) implements StatementChange, LocalReplies.InTurn {}

    /** DEALLOCATE of the client's names, done and answered by pgmux when it reaches the head of the queue. */
    record LocalDeallocate(SqlCommand command, boolean simpleQuery) implements StatementChange, LocalReplies.InTurn {}

    /** An SQL DEALLOCATE ALL among other statements, answered by pgmux; the names it removed come back if it is skipped. */
    record LocalDeallocateAll(List<Registration> removed) implements StatementChange {}

    /** A DISCARD ALL the server runs: the client's names from before {@code generation} go with its statements. */
    record DiscardAll(long generation) implements StatementChange {}

    private final StatementContext statements;
    private final ReplyQueue replies;
    private final Outbox toServer;
    private final ByteBufAllocator alloc;
    private ServerConnection server;
    /** The client's unnamed statement and portal are a DEALLOCATE pgmux answers itself. */
    private SqlCommand localUnnamedStatement;
    private SqlCommand localUnnamedPortal;

    NamedStatements(StatementContext statements, ReplyQueue replies, Outbox toServer, ByteBufAllocator alloc) {
        this.statements = statements;
        this.replies = replies;
        this.toServer = toServer;
        this.alloc = alloc;
    }

    /** The client now uses its names on {@code server}, where its unnamed statement and portal are the server's. */
    void attach(ServerConnection server) {
        this.server = server;
        localUnnamedStatement = null;
        localUnnamedPortal = null;
    }

    // ---------------------------------------------------------------- when to wait

    /**
     * Whether a message touching names must wait before it is sent: while an earlier Sync segment
     * has an operation whose outcome is not known yet (a skip after an error would undo it, and
     * this message's rewriting depends on it), or a DEALLOCATE or DISCARD ALL is still to happen.
     */
    boolean blocks(long segment) {
        if (replies.statementChanges() == 0) {
            return false;
        }
        for (int i = 0; i < replies.size(); i++) {
            ReplyQueue.Attachment attachment = replies.attachmentAt(i);
            if (attachment instanceof LocalDeallocate || attachment instanceof DiscardAll) {
                return true;
            }
            if (attachment instanceof StatementChange && replies.numberAt(i) < segment) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- to the server

    /** A named Parse (REWRITE or REJECT mode). Takes the frame. */
    void parse(ByteBuf frame, long segment, TransactionStatus knownStatus) {
        Parse parse = ClientRequests.decode(frame, Parse::decode);
        frame.release();
        ErrorResponse refusal = statements.refusalFor(parse);
        if (refusal != null) {
            refuseInPipeline(refusal);
            return;
        }
        Registration registration = statements.client().register(parse.statement(), statements.keyOf(parse));
        statements.counts().clientParses++;
        PreparedStatement statement = registration.statement();
        Slot slot = server.statements().find(statement);
        boolean held = slot != null && slot.state() != Slot.State.ABSENT;
        if (held && knownStatus == TransactionStatus.FAILED) {
            // Postgres refuses any Parse in a failed transaction; let the server say so, and undo the name.
            replies.push(ReplyQueue.PARSE, 0, segment, new ParseAttempt(registration, null));
            sendParse(statement);
            return;
        }
        if (held) {
            if (slot.state() == Slot.State.PRESENT) {
                statements.registry().markValidated(statement);
            }
            replies.push(ReplyQueue.SYNTHETIC, 0, segment, new LocalParse(registration));
            return;
        }
        slot = newSlot(statement, segment);
        replies.push(ReplyQueue.PARSE, 0, segment, new ParseAttempt(registration, slot));
        sendParse(statement);
    }

    /**
     * An unnamed Parse whose text is a DEALLOCATE, sent while nothing is owed: answered by pgmux
     * (with the Bind, Describe and Execute that follow) unless the server must answer it (a failed
     * transaction, an unknown name). Returns false when the caller should forward the frame.
     */
    boolean parseLocalDeallocate(ByteBuf frame, SqlCommand command, TransactionStatus status) {
        localUnnamedStatement = null;
        if (!answersDeallocate(command, status)) {
            return false;
        }
        frame.release();
        localUnnamedStatement = command;
        replies.push(ReplyQueue.SYNTHETIC, 0, 0, ConstantReply.PARSE_COMPLETE);
        return true;
    }

    /** A Bind: of the local DEALLOCATE (answered), or of a named statement (rewritten, prepared first if needed). */
    void bind(ByteBuf frame, long segment, SessionFeatureGate features) {
        String statementName = Bind.statementOf(frame);
        boolean unnamedPortal = frame.getByte(frame.readerIndex() + Frames.HEADER_SIZE) == 0;
        if (unnamedPortal) {
            localUnnamedPortal = statementName.isEmpty() ? localUnnamedStatement : null;
            if (localUnnamedPortal != null) {
                frame.release();
                replies.push(ReplyQueue.SYNTHETIC, 0, 0, ConstantReply.BIND_COMPLETE);
                return;
            }
        }
        PreparedStatement statement = named(statementName);
        if (statement == null) {
            replies.push(ReplyQueue.BIND, 0, 0, null);
            toServer.add(frame);
            return;
        }
        if (features != null && features.tracks()) {
            ErrorResponse refusal = features.admit(sessionFeatures(statement), server.id());
            if (refusal != null) {
                frame.release();
                refuseInPipeline(refusal);
                return;
            }
        }
        ensurePrepared(statement, segment);
        if (statements.tracksSettings() && changesSessionSettings(statement)) {
            server.parameters().markUnknown();
        }
        replies.push(ReplyQueue.BIND, 0, 0, null);
        statements.counts().binds++;
        sendBindNaming(frame, statement.serverNameBytes());
    }

    /** Whether this Describe is of the local DEALLOCATE or of a named statement (handled here); false: forward it. */
    boolean describe(ByteBuf frame, Describe describe, long segment) {
        if (describe.name().isEmpty()) {
            boolean portal = describe.target() == io.pgmux.protocol.message.Target.PORTAL;
            if ((portal ? localUnnamedPortal : localUnnamedStatement) == null) {
                return false;
            }
            frame.release();
            if (!portal) {
                replies.push(ReplyQueue.SYNTHETIC, 0, 0, ConstantReply.NO_PARAMETERS);
            }
            replies.push(ReplyQueue.SYNTHETIC, 0, 0, ConstantReply.NO_DATA);
            return true;
        }
        PreparedStatement statement = describe.target() == io.pgmux.protocol.message.Target.STATEMENT ? named(describe.name()) : null;
        if (statement == null) {
            return false;
        }
        frame.release();
        ensurePrepared(statement, segment);
        replies.push(ReplyQueue.DESCRIBE_STATEMENT, 0, 0, null);
        toServer.add(new Describe(io.pgmux.protocol.message.Target.STATEMENT, statement.serverName()).encode(alloc));
        return true;
    }

    /** Whether this Execute runs the local DEALLOCATE (answered here). */
    boolean executeLocally(ByteBuf frame) {
        if (frame.getByte(frame.readerIndex() + Frames.HEADER_SIZE) != 0 || localUnnamedPortal == null) {
            return false;
        }
        frame.release();
        replies.push(ReplyQueue.SYNTHETIC, 0, 0, new LocalDeallocate(localUnnamedPortal, false));
        return true;
    }

    /** A Close of a statement name: Postgres answers CloseComplete whether or not the name exists; the server keeps the statement. */
    void closeStatement(ByteBuf frame, String name, long segment) {
        frame.release();
        replies.push(ReplyQueue.SYNTHETIC, 0, segment, new LocalClose(statements.client().unregister(name)));
    }

    /** Whether a Close of the unnamed statement or portal belongs to the local DEALLOCATE (answered here). */
    boolean closeLocalUnnamed(ByteBuf frame) {
        if (localUnnamedStatement == null && localUnnamedPortal == null) {
            return false;
        }
        frame.release();
        replies.push(ReplyQueue.SYNTHETIC, 0, 0, ConstantReply.CLOSE_COMPLETE);
        return true;
    }

    /** A simple-query DEALLOCATE sent while nothing is owed: answered here unless the server must answer it. */
    boolean queryLocalDeallocate(ByteBuf frame, SqlCommand command, TransactionStatus status) {
        if (!answersDeallocate(command, status)) {
            return false;
        }
        frame.release();
        replies.push(ReplyQueue.SYNTHETIC, 0, 0, new LocalDeallocate(command, true));
        return true;
    }

    /** The server answers DEALLOCATE itself in a failed transaction (25P02) and for a name the client does not have (26000). */
    private boolean answersDeallocate(SqlCommand command, TransactionStatus status) {
        return status != TransactionStatus.FAILED
                && (command.deallocatesAll() || statements.client().get(command.statementName()) != null);
    }

    /** A real unnamed Parse replaces the unnamed statement. */
    void forgetLocalUnnamed() {
        localUnnamedStatement = null;
    }

    /** Makes the server raise an error at this point of an extended-protocol pipeline; the client sees {@code error}. */
    void refuseInPipeline(ErrorResponse error) {
        replies.push(ReplyQueue.PARSE, 0, 0, new Refusal(error));
        toServer.add(new Parse(REFUSAL_STATEMENT, REFUSAL_SQL, new int[0]).encode(alloc));
    }

    /** The same for a simple query: the server fails it, then sends ReadyForQuery. */
    void refuseQuery(ErrorResponse error, long sentAt) {
        replies.push(ReplyQueue.QUERY, 0, sentAt, new Refusal(error));
        toServer.add(new Query(REFUSAL_SQL).encode(alloc));
    }

    private PreparedStatement named(String name) {
        if (name.isEmpty() || !statements.rewrites()) {
            return null;
        }
        Registration registration = statements.client().get(name);
        return registration != null ? registration.statement() : null;
    }

    /** Prepares {@code statement} on the server first if it lacks it; the ParseComplete is swallowed. */
    void ensurePrepared(PreparedStatement statement, long segment) {
        Slot slot = server.statements().find(statement);
        if (slot != null && slot.state() != Slot.State.ABSENT) {
            return;
        }
        slot = newSlot(statement, segment);
        if (statement.declaresTypesByName()) {
            prepareBySql(statement, slot, segment);
            return;
        }
        replies.push(ReplyQueue.PARSE, ReplyQueue.SWALLOW, segment, new Prepare(slot));
        sendParse(statement);
    }

    /**
     * Prepares a statement an SQL PREPARE declared types for by name, which a Parse cannot declare:
     * pgmux runs its own PREPARE as the unnamed statement and portal (replacing the client's: a
     * client that binds a named statement rarely comes back to its unnamed portal); all answers are
     * swallowed, and a failure reaches the client in place of the message that needed the statement.
     */
    private void prepareBySql(PreparedStatement statement, Slot slot, long segment) {
        statements.counts().serverParses++;
        replies.push(ReplyQueue.PARSE, ReplyQueue.SWALLOW, segment, null);
        toServer.add(new Parse("", statement.prepareSql(), new int[0]).encode(alloc));
        replies.push(ReplyQueue.BIND, ReplyQueue.SWALLOW, segment, null);
        toServer.add(Bind.of("", "", List.of()).encode(alloc));
        replies.push(ReplyQueue.EXECUTE, ReplyQueue.SWALLOW, segment, new Prepare(slot));
        toServer.add(new Execute("", 0).encode(alloc));
    }

    /**
     * Whether executing the statement may change session settings pgmux does not follow: a
     * set_config, or a SET prepared as a named statement (checked once per statement).
     */
    /** What running the statement does to session features: each Bind of it runs it again. */
    static List<FeatureUse> sessionFeatures(PreparedStatement statement) {
        List<FeatureUse> uses = statement.sessionFeatures();
        if (uses == null) {
            uses = SessionFeatures.inText(statement.key().query(), false);
            statement.rememberSessionFeatures(uses);
        }
        return uses;
    }

    static boolean changesSessionSettings(PreparedStatement statement) {
        Boolean changes = statement.changesSessionSettings();
        if (changes == null) {
            String query = statement.key().query();
            SqlCommand command = SqlCommand.parse(query);
            changes = command.changesSetting() || command.isUnfollowed() || SetConfigCalls.maySetConfigForTheSession(query);
            statement.rememberChangesSessionSettings(changes);
        }
        return changes;
    }

    /** The Parse that prepares {@code statement} on the server, under its server name. */
    private void sendParse(PreparedStatement statement) {
        statements.counts().serverParses++;
        toServer.add(statement.parseMessage(alloc));
    }

    /** Makes room under {@code max_prepared_statements} (closing the least recently used), then a pending slot. */
    Slot newSlot(PreparedStatement statement, long segment) {
        ServerStatements held = server.statements();
        while (held.size() >= statements.maxPerServer()) {
            Slot victim = held.leastRecentlyUsedExcept(statement);
            if (victim == null) {
                break;
            }
            held.remove(victim);
            replies.push(ReplyQueue.CLOSE, ReplyQueue.SWALLOW, segment, new Evict(victim));
            toServer.add(victim.closeMessage(alloc));
        }
        return held.addPending(statement);
    }

    /** Sends the same Bind naming {@code statement}: a new header and names, then the original values, not copied. */
    private void sendBindNaming(ByteBuf frame, byte[] name) {
        int bodyStart = frame.readerIndex() + Frames.HEADER_SIZE;
        int end = frame.writerIndex();
        int portalEnd = frame.forEachByte(bodyStart, end - bodyStart, ByteProcessor.FIND_NUL);
        int statementEnd = frame.forEachByte(portalEnd + 1, end - portalEnd - 1, ByteProcessor.FIND_NUL);
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

    /** The entry's message was carried out. */
    void onSucceeded(StatementChange attachment) {
        if (attachment instanceof ParseAttempt attempt && attempt.slot() != null) {
            prepared(attempt.slot());
        } else if (attachment instanceof Prepare prepare) {
            prepared(prepare.slot());
        } else if (attachment instanceof Evict evict) {
            evict.slot().markAbsent();
        }
    }

    private void prepared(Slot slot) {
        statements.registry().markValidated(slot.markPresent());
    }

    /** The entry's message failed: a Parse leaves no name and no statement behind, as in Postgres. */
    void onFailed(StatementChange attachment) {
        if (attachment instanceof ParseAttempt attempt) {
            statements.client().undo(attempt.registration());
            if (attempt.slot() != null) {
                forget(attempt.slot());
            }
        } else if (attachment instanceof Prepare prepare) {
            forget(prepare.slot());
        }
    }

    private void forget(Slot slot) {
        slot.markAbsent();
        server.statements().remove(slot);
    }

    /** The server skipped the entry's message after an error: whatever pgmux did for it when sending is undone. */
    void onSkipped(StatementChange attachment) {
        if (attachment instanceof LocalParse parse) {
            statements.client().undo(parse.registration());
        } else if (attachment instanceof LocalClose close) {
            if (close.removed() != null) {
                statements.client().restore(close.removed());
            }
        } else if (attachment instanceof LocalDeallocateAll deallocate) {
            deallocate.removed().forEach(statements.client()::restore);
        } else if (attachment instanceof Evict evict) {
            if (evict.slot().state() == Slot.State.PRESENT) {
                server.statements().restore(evict.slot());
            }
        } else {
            onFailed(attachment);
        }
    }

    /** The server ran DISCARD ALL: its statements are gone, and so are the client's names from before it. */
    void onDiscardAll(DiscardAll discard) {
        server.statements().clear();
        statements.client().forgetBefore(discard.generation());
    }
}
