package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgmux.protocol.Backend;
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
 * that cannot be had (the error, once per failing batch). Also the replies pgmux gives in their
 * turn among a held server's replies ({@link #giveInTurn}).
 */
final class LocalReplies {
    /** What the client's session is after a local reply: as before, or skipping to its next Sync. */
    enum Outcome {
        NOT_ANSWERED, ANSWERED, ANSWERED_SKIP_TO_SYNC,
        /** A Terminate: the client leaves. */
        TERMINATED
    }

    /**
     * A reply pgmux gives while the client holds a server, at the place of the message it answers:
     * the attachment of a SYNTHETIC entry of the {@link ReplyQueue}, given when it reaches the head.
     */
    sealed interface InTurn extends ReplyQueue.Attachment
            permits ConstantReply, NamedStatements.LocalParse, NamedStatements.LocalClose, NamedStatements.LocalDeallocate {}

    /** The replies that are always the same message; the frame is made when it is given, so a skipped one costs nothing. */
    enum ConstantReply implements InTurn {
        PARSE_COMPLETE, BIND_COMPLETE, CLOSE_COMPLETE, NO_DATA,
        /** A ParameterDescription of no parameters. */
        NO_PARAMETERS;

        ByteBuf frame(ByteBufAllocator alloc) {
            return switch (this) {
                case PARSE_COMPLETE -> Messages.parseComplete();
                case BIND_COMPLETE -> Messages.bindComplete();
                case CLOSE_COMPLETE -> Messages.closeComplete();
                case NO_DATA -> Messages.noData();
                case NO_PARAMETERS -> alloc.buffer(7).writeByte(Backend.PARAMETER_DESCRIPTION).writeInt(6).writeShort(0);
            };
        }
    }

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
     * Answers {@code frame}, sent while the client holds no server, if it needs none. Takes the
     * frame when it answers it; a malformed message throws and leaves the frame to the caller.
     */
    Outcome answerWhileIdle(ByteBuf frame, byte type) {
        switch (type) {
            case Frontend.TERMINATE -> {
                frame.release();
                return Outcome.TERMINATED;
            }
            case Frontend.SYNC -> {
                // Nothing is pending: Postgres would answer an idle ReadyForQuery, and so can we.
                frame.release();
                write(new ReadyForQuery(TransactionStatus.IDLE));
                return Outcome.ANSWERED;
            }
            case Frontend.FLUSH, Frontend.COPY_DATA, Frontend.COPY_DONE, Frontend.COPY_FAIL -> {
                // Nothing to flush; Postgres ignores copy messages outside COPY.
                frame.release();
                return Outcome.ANSWERED;
            }
            default -> {
                return answerStatementMessage(frame, type);
            }
        }
    }

    private Outcome answerStatementMessage(ByteBuf frame, byte type) {
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
            return answerQuery(frame, SqlCommand.of(statements.scan().at(frame, frame.readerIndex() + Frames.HEADER_SIZE)));
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
            if (deallocate(statements, command)) {
                write(deallocated(command));
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

    /** Forgets the client's statements a DEALLOCATE names; false when it names one the client does not have. */
    private static boolean deallocate(StatementContext statements, SqlCommand command) {
        if (command.deallocatesAll()) {
            statements.client().forgetBefore(statements.client().nextGeneration());
            return true;
        }
        return statements.client().unregister(command.statementName()) != null;
    }

    private static CommandComplete deallocated(SqlCommand command) {
        return new CommandComplete(command.deallocatesAll() ? "DEALLOCATE ALL" : "DEALLOCATE");
    }

    /**
     * Gives {@code reply} to a client holding a server, now that every reply before it has been
     * given. A DEALLOCATE takes effect only now, in the client's order; {@code status} is the
     * transaction status its ReadyForQuery reports, for one sent as a simple query.
     */
    static void giveInTurn(InTurn reply, ServerLinkEvents to, StatementContext statements, TransactionStatus status,
            ByteBufAllocator alloc) {
        if (reply instanceof ConstantReply constant) {
            to.toClient(constant.frame(alloc));
        } else if (reply instanceof NamedStatements.LocalParse) {
            to.toClient(ConstantReply.PARSE_COMPLETE.frame(alloc));
        } else if (reply instanceof NamedStatements.LocalClose) {
            to.toClient(ConstantReply.CLOSE_COMPLETE.frame(alloc));
        } else if (reply instanceof NamedStatements.LocalDeallocate local) {
            deallocate(statements, local.command());
            to.toClient(deallocated(local.command()).encode(alloc));
            if (local.simpleQuery()) {
                to.toClient(new ReadyForQuery(status).encode(alloc));
            }
        }
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
