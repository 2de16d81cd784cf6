package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ByteProcessor;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.Close;
import io.pgmux.protocol.message.Describe;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Target;
import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.client.NamedStatements.DiscardAll;
import io.pgmux.proxy.client.NamedStatements.StatementChange;
import io.pgmux.proxy.client.ReplyQueue.Attachment;
import io.pgmux.proxy.net.Outbox;
import io.pgmux.proxy.sql.MultiStatementQuery;
import io.pgmux.proxy.sql.NamedStatementSql;
import io.pgmux.proxy.sql.QueryScan;
import io.pgmux.proxy.sql.FeatureUse;
import io.pgmux.proxy.sql.SessionFeatures;
import io.pgmux.proxy.sql.SqlCommand;

import java.util.List;
import java.util.function.Function;

/**
 * How a client's request (Query, Parse, Bind, Describe, Execute, Close) reaches the server it
 * holds: forwarded, rewritten for its named statements ({@link NamedStatements}), answered by pgmux
 * in its place (DEALLOCATE, a Close, a Parse the server holds), with SQL PREPARE/EXECUTE/DEALLOCATE
 * on the same names ({@link SqlStatementNames}), or refused (SQL PREPARE in mode reject), and in
 * every case with the entries its replies will be matched against in the {@link ReplyQueue},
 * carrying what pgmux must do at their outcome; the outcomes for named statements come back here.
 * Also whether a request must wait for an earlier outcome ({@link #mustWait}). One per session,
 * pointed at each server it holds ({@link #attach}).
 *
 * <p>The {@link ServerLink} keeps the phase and the Sync segments: each extended-protocol method
 * says what its request leaves on the server until the client's next Sync ({@link Trace}).
 */
final class ClientRequests {
    /** What an extended-protocol request leaves on the server until the client's next Sync. */
    enum Trace {
        /** pgmux answered it and sent nothing: the stream stands where it stood. */
        NONE,
        /** It prepared, described or closed a named statement: nothing that lives on this server. */
        NAMES_ONLY,
        /** The unnamed statement, a portal, an implicit transaction: pgmux may not Sync on its own. */
        SERVER_STATE
    }

    private final StatementContext statements;
    private final SettingChanges settings;
    /** The client's session features; null when nothing follows them. */
    private final SessionFeatureGate features;
    private final ReplyQueue replies;
    private final Outbox toServer;
    private final ByteBufAllocator alloc;
    /** The text of the message being read, scanned once for all the readers that look at it. */
    private final QueryScan scan;
    private ServerConnection server;
    /** Made on first use: most sessions never name a statement. */
    private NamedStatements namedStatements;
    /** The same, once used on the server held now; null until then (its unnamed-statement facts are that server's). */
    private NamedStatements named;
    /** What the client's unnamed statement runs, when it is a command pgmux follows (SET, RESET, DISCARD ALL). */
    private SqlCommand unnamedStatementCommand;
    /** What running the client's unnamed statement does to session features: counted at each Bind of it. */
    private List<FeatureUse> unnamedStatementFeatures = List.of();
    /** What an Execute of the client's unnamed portal carries. */
    private Attachment unnamedPortalAttachment;

    ClientRequests(StatementContext statements, SettingChanges settings, SessionFeatureGate features, ReplyQueue replies,
            Outbox toServer, ByteBufAllocator alloc) {
        this.statements = statements;
        this.settings = settings;
        this.features = features;
        this.replies = replies;
        this.toServer = toServer;
        this.alloc = alloc;
        this.scan = statements.scan();
    }

    /** The client now holds {@code server}: its unnamed statement and portal are none yet. */
    void attach(ServerConnection server) {
        this.server = server;
        named = null;
        unnamedStatementCommand = null;
        unnamedStatementFeatures = List.of();
        unnamedPortalAttachment = null;
    }

    NamedStatements named() {
        if (named == null) {
            if (namedStatements == null) {
                namedStatements = new NamedStatements(statements, replies, toServer, alloc);
            }
            named = namedStatements;
            named.attach(server);
        }
        return named;
    }

    /**
     * Whether this request must wait: one about named statements while an earlier outcome it
     * depends on is unknown, and a DEALLOCATE until nothing is owed (it is answered by pgmux in the
     * transaction state of that moment).
     */
    boolean mustWait(ByteBuf frame, byte type, long segment) {
        if (!statements.rewrites()) {
            return false;
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
                return !replies.isEmpty() && SqlCommand.of(scan.at(frame, body + 1)).isDeallocate();
            case Frontend.QUERY:
                // Answered in the transaction state of the moment it is sent: that state must be known.
                return !replies.isEmpty() && (SqlCommand.of(scan.at(frame, body)).isDeallocate()
                        || statements.rewritesSqlNames() && NamedStatementSql.mayBeAnsweredLocally(scan));
            case Frontend.BIND:
                int portalEnd = frame.forEachByte(body, frame.writerIndex() - body, ByteProcessor.FIND_NUL);
                return portalEnd >= 0 && portalEnd + 1 < frame.writerIndex() && frame.getByte(portalEnd + 1) != 0
                        && named().blocks(segment);
            case Frontend.DESCRIBE, Frontend.CLOSE:
                return frame.getByte(body) == 'S' && frame.getByte(body + 1) != 0 && named().blocks(segment);
            default:
                return false;
        }
    }

    /**
     * A simple query, whole ({@link StreamedClientMessage} takes a streamed one); {@code status} is the server's transaction status as last reported.
     * {@code syncAhead} sends a Sync of pgmux's own, for messages pgmux sends ahead of the query.
     */
    void query(ByteBuf frame, TransactionStatus status, Runnable syncAhead) {
        QueryScan sql = scan.at(frame, frame.readerIndex() + Frames.HEADER_SIZE);
        SqlCommand command = statements.inspectsSql() ? SqlCommand.of(sql) : SqlCommand.OTHER;
        if (command.isDeallocate() && statements.rewrites() && named().queryLocalDeallocate(frame, command, status)) {
            return;
        }
        if (statements.refusesSqlPrepare() && (command.isPrepare() || MultiStatementQuery.hasLaterPrepare(sql, settings.backslashEscapes()))) {
            frame.release();
            named().refuseQuery(StatementContext.sqlPrepareRefused(), System.nanoTime());
            return;
        }
        ErrorResponse refusal = admitSessionFeatures(sql);
        if (refusal != null) {
            frame.release();
            named().refuseQuery(refusal, System.nanoTime());
            return;
        }
        NamedStatementSql sqlNames = statements.rewritesSqlNames()
                ? NamedStatementSql.of(sql, settings.backslashEscapes()) : null;
        Attachment attachment = attachmentFor(command);
        SettingChanges.MultiStatement multiStatement = settings.onQuerySent(sql);
        Attachment settingsAttachment = multiStatement != null ? multiStatement : attachment;
        if (sqlNames != null) {
            frame.release();
            SqlStatementNames.Rewrite rewrite = SqlStatementNames.rewrite(statements, named(), server, features,
                    replies.isEmpty() ? status : null, sqlNames);
            if (rewrite.parsedAhead()) {
                syncAhead.run();
            }
            replies.push(ReplyQueue.QUERY, 0, System.nanoTime(), new RewrittenQuery(rewrite.steps(), settingsAttachment));
            toServer.add(rewrite.message(alloc));
            return;
        }
        replies.push(ReplyQueue.QUERY, 0, System.nanoTime(), settingsAttachment);
        toServer.add(frame);
    }

    Trace parse(ByteBuf frame, long segment, TransactionStatus status) {
        boolean unnamed = frame.getByte(frame.readerIndex() + Frames.HEADER_SIZE) == 0;
        if (unnamed) {
            QueryScan sql = scan.at(frame, frame.readerIndex() + Frames.HEADER_SIZE + 1);
            SqlCommand command = statements.inspectsSql() ? SqlCommand.of(sql) : SqlCommand.OTHER;
            unnamedStatementFeatures = features != null && features.tracks()
                    ? SessionFeatures.inQuery(sql, settings.backslashEscapes()) : List.of();
            if (command.isDeallocate() && statements.rewrites() && named().parseLocalDeallocate(frame, command, status)) {
                return Trace.NONE;
            }
            if (named != null) {
                named.forgetLocalUnnamed();
            }
            unnamedStatementCommand = command;
            settings.onTextSent(sql);
        }
        if (!statements.inspectsNames() || unnamed) {
            replies.push(ReplyQueue.PARSE, 0, 0, null);
            toServer.add(frame);
            return Trace.SERVER_STATE;
        }
        named().parse(frame, segment, replies.isEmpty() ? status : null);
        return Trace.NAMES_ONLY;
    }

    /** A Bind, which always makes a portal ({@link Trace#SERVER_STATE}). */
    void bind(ByteBuf frame, long segment) {
        int body = frame.readerIndex() + Frames.HEADER_SIZE;
        boolean unnamedPortalOfUnnamedStatement = frame.getByte(body) == 0 && frame.getByte(body + 1) == 0;
        if (frame.getByte(body + 1 + frame.bytesBefore(body, frame.writerIndex() - body, (byte) 0)) == 0
                && features != null && features.tracks()) {
            // A Bind runs the unnamed statement again: what it takes counts now (a named one's, in NamedStatements.bind).
            ErrorResponse refusal = features.admit(unnamedStatementFeatures, server.id());
            if (refusal != null) {
                frame.release();
                named().refuseInPipeline(refusal);
                return;
            }
        }
        if (frame.getByte(body) == 0) {
            unnamedPortalAttachment = unnamedPortalOfUnnamedStatement && unnamedStatementCommand != null
                    ? attachmentFor(unnamedStatementCommand) : null;
        }
        if (statements.rewrites() && (named != null || !unnamedPortalOfUnnamedStatement)) {
            named().bind(frame, segment, features);
        } else {
            replies.push(ReplyQueue.BIND, 0, 0, null);
            toServer.add(frame);
        }
    }

    Trace describe(ByteBuf frame, long segment) {
        Describe describe = decode(frame, Describe::decode);
        boolean handled = statements.rewrites() && named().describe(frame, describe, segment);
        if (!handled) {
            replies.push(describe.target() == Target.PORTAL ? ReplyQueue.DESCRIBE_PORTAL : ReplyQueue.DESCRIBE_STATEMENT, 0, 0, null);
            toServer.add(frame);
        }
        return describe.target() == Target.STATEMENT && !describe.name().isEmpty() && statements.rewrites()
                ? Trace.NAMES_ONLY : Trace.SERVER_STATE;
    }

    /** An Execute, which always runs in the implicit transaction ({@link Trace#SERVER_STATE}). */
    void execute(ByteBuf frame) {
        if (named != null && named.executeLocally(frame)) {
            return;
        }
        boolean unnamedPortal = frame.getByte(frame.readerIndex() + Frames.HEADER_SIZE) == 0;
        replies.push(ReplyQueue.EXECUTE, 0, 0, unnamedPortal ? unnamedPortalAttachment : null);
        toServer.add(frame);
    }

    Trace close(ByteBuf frame, long segment) {
        Close close = decode(frame, Close::decode);
        if (statements.rewrites()) {
            if (close.target() == Target.STATEMENT && !close.name().isEmpty()) {
                named().closeStatement(frame, close.name(), segment);
                return Trace.NAMES_ONLY;
            }
            if (close.name().isEmpty() && named().closeLocalUnnamed(frame)) {
                return Trace.NAMES_ONLY;
            }
        }
        replies.push(ReplyQueue.CLOSE, 0, 0, null);
        toServer.add(frame);
        return Trace.SERVER_STATE;
    }

    /**
     * Whether the query text may go, as far as the session features it takes are
     * concerned: null, or the error the client gets instead. (A Parse runs nothing: the Binds of
     * its statement count, see {@link #bind}.)
     */
    private ErrorResponse admitSessionFeatures(QueryScan sql) {
        if (features == null || !features.tracks()) {
            return null;
        }
        return features.admit(SessionFeatures.inQuery(sql, settings.backslashEscapes()), server.id());
    }

    // ---------------------------------------------------------------- outcomes

    /** The entry's message was carried out: what pgmux did for it when sending holds. */
    void onSucceeded(Attachment attachment) {
        if (attachment instanceof StatementChange change) {
            named().onSucceeded(change);
        }
    }

    /** The entry's message failed: what pgmux did for it is undone, as Postgres undoes a failed Parse. */
    void onFailed(Attachment attachment) {
        if (attachment instanceof StatementChange change) {
            named().onFailed(change);
        }
    }

    /** The server skipped the entry's message after an error: what pgmux did for it when sending is undone. */
    void onSkipped(Attachment attachment) {
        if (attachment instanceof StatementChange change) {
            named().onSkipped(change);
        }
    }

    /** A DISCARD ALL completed: the server's statements are gone, and, when the client ran it, its names from before it. */
    void onDiscardAll(Attachment attachment, boolean byClient) {
        if (byClient) {
            named().onDiscardAll(attachment instanceof DiscardAll discard ? discard : new DiscardAll(statements.client().nextGeneration()));
        } else {
            server.statements().clear();
        }
    }

    /** What a QUERY or EXECUTE entry of this command carries: a DISCARD ALL, a setting change (followed or not), or null. */
    Attachment attachmentFor(SqlCommand command) {
        if (command.kind() == SqlCommand.Kind.DISCARD_ALL) {
            return new DiscardAll(statements.client().nextGeneration());
        }
        return settings.attachmentFor(command);
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
}
