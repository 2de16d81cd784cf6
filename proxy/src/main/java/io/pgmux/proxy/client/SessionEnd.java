package io.pgmux.proxy.client;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.client.SessionState.Abandoned;
import io.pgmux.proxy.client.SessionState.Closed;
import io.pgmux.proxy.client.SessionState.Linked;
import io.pgmux.proxy.client.SessionState.Replicating;
import io.pgmux.proxy.net.WriteBatcher;
import io.pgmux.proxy.util.ClientText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How pgmux ends a {@link ClientSession}: a FATAL error and the connection's close (the client broke
 * the protocol, a bug, no memory, a timeout, KILL), or a leave that waits for the client's
 * transaction to end (shutdown, its database no longer served). Once the FATAL error is sent,
 * nothing the client sends is acted on ({@link #fatalSent}). What is freed when the connection is
 * gone is the session's ({@link ClientSession#onClientClosed}).
 */
final class SessionEnd {
    /** A client's lines stay under one name, whichever part of the session writes them. */
    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);
    private static final ErrorResponse SHUTTING_DOWN = ErrorResponse.fatal(SqlState.ADMIN_SHUTDOWN, "pgmux is shutting down");

    private final ClientSession session;
    private final Channel channel;
    private final ReadPauses readPauses;
    private final WriteBatcher toClient;
    private final ServerHold hold;
    /** A FATAL error went to the client and the connection is closing: its further messages are dropped. */
    private boolean fatalSent;
    private boolean shuttingDown;
    private ErrorResponse leaveReason = SHUTTING_DOWN;

    SessionEnd(ClientSession session, Channel channel, ReadPauses readPauses, WriteBatcher toClient, ServerHold hold) {
        this.session = session;
        this.channel = channel;
        this.readPauses = readPauses;
        this.toClient = toClient;
        this.hold = hold;
    }

    /** A FATAL error went to the client: the connection is closing and nothing it sends is acted on. */
    boolean fatalSent() {
        return fatalSent;
    }

    boolean shuttingDown() {
        return shuttingDown;
    }

    void onProtocolError(ProtocolException e) {
        if (fatalSent) {
            return;
        }
        String message = ClientText.text(e.getMessage());
        log.info("c{} [{}] protocol violation: {}", session.id(), session.poolName(), message);
        fatal(ErrorResponse.fatal(e.sqlState(), message));
    }

    void onUnexpectedFailure(RuntimeException e) {
        ServerLink link = hold.currentLink();
        if (link != null) {
            hold.fail(link, e);
            return;
        }
        log.error("c{} [{}] unexpected failure; closing the client", session.id(), session.poolName(), e);
        fatal(SessionErrors.internalError(e));
    }

    void onOutOfMemory(OutOfMemoryError e) {
        if (fatalSent) {
            return;
        }
        log.warn("c{} [{}] out of memory for this client's data, closing it: {}", session.id(), session.poolName(), e.getMessage());
        fatal(SessionErrors.outOfMemory());
    }

    void onShutdown() {
        shuttingDown = true;
        SessionState state = session.state();
        // A client in the middle of a transaction is closed when it ends (ServerHold.afterServerBatch).
        if (!(state instanceof Linked linked && !linked.link().isClean() || state instanceof Abandoned || state instanceof Closed)) {
            leave();
        }
    }

    void closeWhenIdle(ErrorResponse reason) {
        leaveReason = reason;
        onShutdown();
    }

    void leave() {
        fatal(leaveReason);
    }

    /** Sends a FATAL error and closes the connection; cleanup happens in {@link ClientSession#onClientClosed}. */
    void fatal(ErrorResponse error) {
        fatalSent = true;
        // Nothing it sends now is acted on: reading on until the error is written (the close waits for
        // that) would only fill the decoder, for a client sending a message too big for memory another time
        readPauses.pause(ReadPauses.CLOSING);
        if (hold.midMessageToClient() || session.state() instanceof Replicating replicating && replicating.link().relaying()) {
            // Bytes of the error would be read as the rest of a row: the client can only see the connection end.
            log.info("c{} [{}] closing in the middle of a message to the client, which cannot read an error now: {}",
                    session.id(), session.poolName(), error.message());
            toClient.discard();
            channel.close();
            return;
        }
        if (channel.isActive()) {
            toClient.write(error.encode(channel.alloc()));
            toClient.flush();
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
