package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.ReferenceCountUtil;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.ReadyForQuery;
import io.pgmux.proxy.client.SessionState.Waiting;
import io.pgmux.proxy.pool.Pool;

import java.util.ArrayList;
import java.util.List;

/**
 * A logged-in client's messages while its session holds no server: in Idle they are answered here
 * ({@link LocalReplies}) or start the wait for a server; in FailedUntilSync they are dropped until
 * the Sync; in Waiting and Validating they queue, within a bound. When the wait fails, the queued
 * messages are answered here too. Made when the session joins its pool; it changes the session's
 * state only through {@link ClientSession#moveTo}, and owns each frame it is given.
 */
final class MessagesWithoutServer {
    /** A waiting client stops reading once it has queued this many messages: memory stays bounded. */
    private static final int MAX_PENDING_WHILE_WAITING = 16;

    private final ClientSession session;
    private final Channel channel;
    private final ReadPauses readPauses;
    private final Pool pool;
    private final LocalReplies localReplies;
    /**
     * The Waiting state of this session's transactions, made at its first one and then reused (a
     * record still, and still a state of its own): its pending list is emptied whenever the session
     * leaves Waiting, so an idle client keeps an empty list, never frames, and one that never ran a
     * transaction keeps nothing.
     */
    private Waiting transactionWait;

    MessagesWithoutServer(ClientSession session, Channel channel, ReadPauses readPauses, Pool pool, LocalReplies localReplies) {
        this.session = session;
        this.channel = channel;
        this.readPauses = readPauses;
        this.pool = pool;
        this.localReplies = localReplies;
    }

    /** Idle: answered locally, or the first message of a transaction, which waits for a server. */
    void onFrameWhileIdle(ByteBuf frame, byte type) {
        LocalReplies.Outcome outcome;
        try {
            outcome = localReplies.answerWhileIdle(frame, type);
        } catch (RuntimeException malformed) {
            frame.release();
            throw malformed;
        }
        switch (outcome) {
            case TERMINATED -> channel.close();
            case ANSWERED_SKIP_TO_SYNC -> session.moveTo(SessionState.FAILED_UNTIL_SYNC);
            case NOT_ANSWERED -> {
                if (Frames.isPartial(frame)) {
                    readPauses.pause(ReadPauses.WAITING); // the rest of a streamed Query comes once it has a server
                }
                if (transactionWait == null) {
                    transactionWait = new Waiting(new ArrayList<>(4), false);
                }
                transactionWait.pending().add(frame);
                session.startWaiting(transactionWait);
            }
            case ANSWERED -> { }
        }
    }

    /** FailedUntilSync: everything is dropped until the Sync, which gets ReadyForQuery. */
    void onFrameAfterLocalError(ByteBuf frame, byte type) {
        frame.release();
        if (type == Frontend.SYNC) {
            session.writeToClient(new ReadyForQuery(TransactionStatus.IDLE));
            session.moveTo(SessionState.IDLE);
        } else if (type == Frontend.TERMINATE) {
            channel.close();
        }
    }

    /** Waiting or Validating: the frame joins {@code pending}, which goes to the server once there is one. */
    void onFrameWhileWaiting(List<ByteBuf> pending, ByteBuf frame) {
        pending.add(frame);
        if (pending.size() >= MAX_PENDING_WHILE_WAITING) {
            readPauses.pause(ReadPauses.WAITING);
        }
    }

    /**
     * The pool could not give the {@code waiting} session a server: one waiting for its welcome is
     * closed with the error; otherwise its queued messages are answered with it, and it goes on.
     */
    void onAcquireFailed(Waiting waiting, ErrorResponse error) {
        pool.stats().onClientWaited(System.nanoTime() - session.waitStartedNanos());
        readPauses.resume(ReadPauses.WAITING);
        if (waiting.forWelcome()) {
            waiting.pending().forEach(ReferenceCountUtil::release);
            session.fatal(error.withSeverity(ErrorResponse.FATAL));
            return;
        }
        LocalReplies.Failed failed = localReplies.failAll(waiting.pending(), error.isFatal() ? error.withSeverity(ErrorResponse.ERROR) : error);
        waiting.pending().clear(); // failAll released them; the list serves the session's next wait
        session.moveTo(failed.skippingToSync() ? SessionState.FAILED_UNTIL_SYNC : SessionState.IDLE);
        if (failed.terminated() || session.shuttingDown()) {
            channel.close();
        }
        session.flushClient();
    }
}
