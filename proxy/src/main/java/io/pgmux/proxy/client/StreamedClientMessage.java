package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.client.ReplyQueue.Attachment;
import io.pgmux.proxy.net.FrameDecoder;
import io.pgmux.proxy.net.MessageChunk;
import io.pgmux.proxy.net.Outbox;
import io.pgmux.proxy.sql.QueryFacts;
import io.pgmux.proxy.sql.SqlCommand;
import io.pgmux.proxy.sql.StreamedQueryText;

/**
 * A client message over {@link FrameDecoder#STREAMING_THRESHOLD} (a CopyData or a Query) going to
 * the held server as it arrives: its head through the {@link ServerLink}, then its chunks here,
 * unread. While one is under way the server has part of a message, so nothing of pgmux's may go to
 * it and it cannot go back ({@link #midMessage}). A Query's text is read as it passes
 * ({@link StreamedQueryText}); at its last chunk pgmux decides what it decides for a whole Query
 * ({@link ClientRequests#query}): the reply entry, settings, session features. What it would have
 * refused or answered itself cannot be taken back from a server that has the rest of the message,
 * so that ends the connection (the server's too, which never gets the whole Query: nothing of it
 * runs). One per session, pointed at each server it holds ({@link #attach}).
 */
final class StreamedClientMessage {
    private final StatementContext statements;
    private final SettingChanges settings;
    /** The client's session features; null when nothing follows them. */
    private final SessionFeatureGate features;
    private final ClientRequests requests;
    private final ReplyQueue replies;
    private final Outbox toServer;
    private final ServerLinkEvents events;
    private ServerConnection server;
    /** The head of the client's message went to the server, and not yet its last chunk. */
    private boolean midMessage;
    /** The text of the Query streaming to the server now, read as it passes; null between streamed Queries. */
    private StreamedQueryText query;

    StreamedClientMessage(StatementContext statements, SettingChanges settings, SessionFeatureGate features,
            ClientRequests requests, ReplyQueue replies, Outbox toServer, ServerLinkEvents events) {
        this.statements = statements;
        this.settings = settings;
        this.features = features;
        this.requests = requests;
        this.replies = replies;
        this.toServer = toServer;
        this.events = events;
    }

    /** The client now holds {@code server}, which has no part of any message of the client's. */
    void attach(ServerConnection server) {
        this.server = server;
        midMessage = false;
        query = null;
    }

    /** The server has part of a client message: nothing else may go to it, and it may not go back, until the rest. */
    boolean midMessage() {
        return midMessage;
    }

    /** The head of a client message was sent (or, skipped after an error, released): its chunks go the same way. */
    void headSent(ByteBuf head) {
        midMessage = toServer.endsWith(head);
    }

    /** The head of a Query whose text follows in chunks: it goes to the server now, and its text is read as it passes. */
    void queryHead(ByteBuf head) {
        query = new StreamedQueryText(events.maxMessageSize(), settings.backslashEscapes().getAsBoolean());
        query.read(head.slice(head.readerIndex() + Frames.HEADER_SIZE, head.readableBytes() - Frames.HEADER_SIZE));
        toServer.add(head);
    }

    /**
     * More of the client's streamed message: to the server if its head went there, else dropped.
     *
     * @throws ProtocolException for a streamed Query that may not run (the chunk is released), with the SQLSTATE the client gets
     */
    void chunk(MessageChunk chunk) {
        if (midMessage) {
            if (query != null) {
                try {
                    queryChunk(chunk.content(), chunk.last());
                } catch (RuntimeException e) {
                    chunk.release();
                    throw e;
                }
            }
            toServer.add(chunk.content());
        } else {
            chunk.release();
        }
        midMessage &= !chunk.last(); // the last chunk completes the message
    }

    private void queryChunk(ByteBuf bytes, boolean last) {
        query.read(bytes);
        if (!last) {
            return;
        }
        StreamedQueryText text = query;
        query = null;
        if (!bytes.isReadable() || bytes.getByte(bytes.writerIndex() - 1) != 0) {
            throw new ProtocolException("Query message: the query string is not null-terminated");
        }
        String untrackable = text.untrackable();
        if (untrackable != null) {
            throw refused(SqlState.PROGRAM_LIMIT_EXCEEDED, "pgmux cannot follow this query: " + untrackable);
        }
        QueryFacts facts = text.finish();
        SqlCommand command = statements.inspectsSql() ? facts.command() : SqlCommand.OTHER;
        if (command.isDeallocate() && statements.rewrites()) {
            throw refused(SqlState.PROGRAM_LIMIT_EXCEEDED, "pgmux cannot follow this query: a DEALLOCATE over "
                    + FrameDecoder.STREAMING_THRESHOLD + " bytes");
        }
        if (statements.refusesSqlPrepare() && (command.isPrepare() || facts.laterPrepare())) {
            throw refused(StatementContext.sqlPrepareRefused());
        }
        if (statements.rewritesSqlNames() && facts.usesStatementNames()) {
            throw refused(SqlState.PROGRAM_LIMIT_EXCEEDED, "pgmux cannot follow this query: it uses an SQL"
                    + " prepared statement name (PREPARE, EXECUTE or DEALLOCATE), which pgmux rewrites before the query reaches the server");
        }
        if (features != null && features.tracks()) {
            ErrorResponse refusal = features.admit(facts.features(), server.id());
            if (refusal != null) {
                throw refused(refusal);
            }
        }
        Attachment attachment = requests.attachmentFor(command);
        SettingChanges.MultiStatement multiStatement = settings.onQuerySent(facts);
        replies.push(ReplyQueue.QUERY, 0, System.nanoTime(), multiStatement != null ? multiStatement : attachment);
    }

    private static ProtocolException refused(ErrorResponse error) {
        return refused(error.sqlState(), error.message());
    }

    private static ProtocolException refused(String sqlState, String message) {
        return new ProtocolException(sqlState, message + " (the query was over " + FrameDecoder.STREAMING_THRESHOLD
                + " bytes and streamed to the server; pgmux closed the server connection before its end, so nothing of it ran)");
    }
}
