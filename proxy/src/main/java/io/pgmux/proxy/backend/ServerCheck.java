package io.pgmux.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Messages;
import io.pgmux.protocol.message.Query;
import io.pgmux.protocol.message.ReadyForQuery;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One check of an idle server before a client gets it ({@code server_check_query}, PgBouncer's
 * meaning): the query ({@code <empty>}: an empty one), or a bare Sync when it is "", must be answered up to a ReadyForQuery
 * saying idle, without an error, within the time given. Runs on the server's loop, driven by
 * {@link ServerHandler}; the outcome is told once, and a server that failed is the caller's to close.
 *
 * <pre>
 *  sent ──ReadyForQuery 'I', no error──▶ passed
 *    ├──ErrorResponse, then ReadyForQuery──▶ failed
 *    └──time out, connection closed──▶ failed
 * </pre>
 */
final class ServerCheck {
    /** PgBouncer's spelling for an empty query (answered by EmptyQueryResponse) as the check. */
    static final String EMPTY_QUERY = "<empty>";

    private final Consumer<String> outcome;
    private ScheduledFuture<?> timeout;
    private ErrorResponse error;
    private boolean told;

    /** {@code outcome} gets null if the server passed, else why it failed. */
    ServerCheck(Consumer<String> outcome) {
        this.outcome = outcome;
    }

    void start(ChannelHandlerContext ctx, String query, Duration limit) {
        ByteBuf message = query.isEmpty() ? Messages.sync()
                : new Query(query.equals(EMPTY_QUERY) ? "" : query).encode(ctx.alloc());
        ctx.writeAndFlush(message);
        long millis = Math.max(1, limit.toMillis());
        timeout = ctx.executor().schedule(() -> fail("no answer within " + millis + " ms"), millis, TimeUnit.MILLISECONDS);
    }

    /** A frame from the server while the check runs (released by the caller). */
    void onFrame(ByteBuf frame) {
        byte type = Frames.type(frame);
        if (type == Backend.ERROR_RESPONSE) {
            error = ErrorResponse.decode(frame);
        } else if (type == Backend.READY_FOR_QUERY) {
            TransactionStatus status = ReadyForQuery.statusOf(frame);
            if (error != null) {
                fail("it answered " + error);
            } else if (status != TransactionStatus.IDLE) {
                fail("it is in a transaction (" + status + ")");
            } else {
                tell(null);
            }
        }
    }

    boolean isDone() {
        return told;
    }

    void fail(String why) {
        tell(why);
    }

    private void tell(String failure) {
        if (told) {
            return;
        }
        told = true;
        if (timeout != null) {
            timeout.cancel(false);
        }
        outcome.accept(failure);
    }
}
