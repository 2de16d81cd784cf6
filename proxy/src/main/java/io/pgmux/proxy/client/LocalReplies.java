package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.Close;
import io.pgmux.protocol.message.CommandComplete;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Messages;
import io.pgmux.protocol.message.Parse;
import io.pgmux.protocol.message.ReadyForQuery;
import io.pgmux.protocol.message.Target;
import io.pgmux.protocol.message.WireMessage;
import io.pgmux.proxy.net.WriteBatcher;
import io.pgmux.proxy.pool.PoolStats;
import io.pgmux.proxy.sql.SqlCommand;

import java.util.List;

/**
 * Replies pgmux gives a client holding no server, exactly as Postgres would have given them: to
 * messages about its own statement names (a Parse of a statement a server already accepted, a
 * Close, a DEALLOCATE, a duplicate name, a refused statement), and to messages queued for a server
 * that cannot be had (the error, once per failing batch).
 */
final class LocalReplies {
    /** What the client's session is after a local reply: as before, or skipping to its next Sync. */
    enum Outcome { NOT_ANSWERED, ANSWERED, ANSWERED_SKIP_TO_SYNC }

    private final StatementContext statements;
    private final WriteBatcher toClient;
    private final PoolStats stats;
    private final ByteBufAllocator alloc;

    LocalReplies(StatementContext statements, WriteBatcher toClient, PoolStats stats, ByteBufAllocator alloc) {
        this.statements = statements;
        this.toClient = toClient;
        this.stats = stats;
        this.alloc = alloc;
    }

    /**
     * Answers {@code frame} if it needs no server. Takes the frame when it answers it; a malformed
     * message throws and leaves the frame to the caller.
     */
    Outcome answer(ByteBuf frame, byte type) {
        if (type == Frontend.PARSE && statements.inspectsNames() && frame.getByte(frame.readerIndex() + Frames.HEADER_SIZE) != 0) {
            return answerParse(frame, Parse.decode(frame));
        }
        if (type == Frontend.CLOSE && statements.rewrites()) {
            Close close = Close.decode(frame);
            if (close.target() == Target.STATEMENT && !close.name().isEmpty()) {
                frame.release();
                statements.client().unregister(close.name());
                write(Messages.closeComplete());
                return Outcome.ANSWERED;
            }
        } else if (type == Frontend.QUERY && statements.inspectsSql()) {
            return answerQuery(frame, SqlCommand.of(frame, frame.readerIndex() + Frames.HEADER_SIZE));
        }
        return Outcome.NOT_ANSWERED;
    }

    private Outcome answerParse(ByteBuf frame, Parse parse) {
        ErrorResponse refusal = statements.refusalFor(parse);
        if (refusal != null) {
            frame.release();
            error(refusal);
            return Outcome.ANSWERED_SKIP_TO_SYNC;
        }
        if (statements.rewrites() && statements.isKnownValid(parse)) {
            frame.release();
            statements.client().register(parse.statement(), statements.keyOf(parse));
            statements.counts().clientParses++;
            write(Messages.parseComplete());
            return Outcome.ANSWERED;
        }
        return Outcome.NOT_ANSWERED;
    }

    private Outcome answerQuery(ByteBuf frame, SqlCommand command) {
        if (command.isDeallocate() && statements.rewrites()) {
            frame.release();
            if (command.deallocatesAll()) {
                statements.client().forgetBefore(statements.client().nextGeneration());
                write(new CommandComplete("DEALLOCATE ALL"));
            } else if (statements.client().unregister(command.statementName()) != null) {
                write(new CommandComplete("DEALLOCATE"));
            } else {
                error(StatementContext.unknownStatement(command.statementName()));
            }
            write(new ReadyForQuery(TransactionStatus.IDLE));
            return Outcome.ANSWERED;
        }
        if (command.isPrepare() && statements.refusesSqlPrepare()) {
            frame.release();
            error(StatementContext.sqlPrepareRefused());
            write(new ReadyForQuery(TransactionStatus.IDLE));
            return Outcome.ANSWERED;
        }
        return Outcome.NOT_ANSWERED;
    }

    /** What answering queued messages with an error leaves: skipping to a Sync, and whether the client said goodbye. */
    record Failed(boolean skippingToSync, boolean terminated) {}

    /**
     * Answers queued messages with {@code error} the way Postgres answers a failing batch: a
     * simple query gets the error and ReadyForQuery; an extended-protocol batch gets the error once,
     * then everything up to its Sync is dropped and the Sync gets ReadyForQuery. Takes the frames.
     */
    Failed failAll(List<ByteBuf> pending, ErrorResponse error) {
        boolean skipping = false;
        boolean terminated = false;
        for (ByteBuf frame : pending) {
            byte type = Frames.type(frame);
            frame.release();
            if (terminated) {
                continue;
            }
            switch (type) {
                case Frontend.QUERY, Frontend.FUNCTION_CALL -> {
                    if (!skipping) {
                        error(error);
                        write(new ReadyForQuery(TransactionStatus.IDLE));
                    }
                }
                case Frontend.SYNC -> {
                    skipping = false;
                    write(new ReadyForQuery(TransactionStatus.IDLE));
                }
                case Frontend.PARSE, Frontend.BIND, Frontend.DESCRIBE, Frontend.EXECUTE, Frontend.CLOSE -> {
                    if (!skipping) {
                        error(error);
                        skipping = true;
                    }
                }
                case Frontend.TERMINATE -> terminated = true;
                default -> {
                }
            }
        }
        return new Failed(skipping, terminated);
    }

    private void error(ErrorResponse error) {
        stats.onError(error.sqlState());
        write(error);
    }

    private void write(WireMessage message) {
        toClient.write(message.encode(alloc));
    }

    private void write(ByteBuf frame) {
        toClient.write(frame);
    }
}
