package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.message.Messages;
import io.pgmux.proxy.net.Outbox;

import java.util.ArrayDeque;

/**
 * The client messages of a {@link ServerLink} that wait for an earlier outcome (of a message in
 * an earlier Sync segment) before they can be rewritten and sent, in their order: once one waits,
 * every later one waits behind it. {@link ClientToServer} decides which must wait ({@link Rule}) and sends them;
 * this queue holds them and gives them back as soon as the outcomes they need are known.
 */
final class StalledMessages {

    /** Whether a client message's rewriting depends on an outcome still unknown. */
    @FunctionalInterface
    interface Rule {
        boolean mustWait(ByteBuf frame, byte type);
    }

    private final Outbox toServer;
    private final Rule rule;
    /** Made on first use: most sessions never wait. */
    private ArrayDeque<ByteBuf> waiting;

    StalledMessages(Outbox toServer, Rule rule) {
        this.toServer = toServer;
        this.rule = rule;
    }

    /** Client messages wait for an earlier outcome. */
    boolean isEmpty() {
        return waiting == null || waiting.isEmpty();
    }

    /**
     * Keeps the message if it must wait (or others already do), and says so; otherwise the caller
     * sends it. Takes ownership of the frame only when it answers true; a malformed frame is
     * released and its exception thrown.
     */
    boolean keep(ByteBuf frame, byte type) {
        try {
            if (isEmpty() && !rule.mustWait(frame, type)) {
                return false;
            }
        } catch (RuntimeException e) {
            frame.release();
            throw e;
        }
        if (isEmpty()) {
            // The replies it waits for may sit in the server's output buffer until a Flush or Sync,
            // and the client's own may be the next message, held back behind this one.
            toServer.add(Messages.flush());
        }
        if (waiting == null) {
            waiting = new ArrayDeque<>(2);
        }
        waiting.addLast(frame);
        return true;
    }

    /** The first message that waits, taken out, if the outcomes it needed are known now; else null. */
    ByteBuf pollReady() {
        ByteBuf first = waiting != null ? waiting.peekFirst() : null;
        return first != null && !rule.mustWait(first, Frames.type(first)) ? waiting.pollFirst() : null;
    }

    /** Releases what still waits (the link is dropped). */
    void release() {
        if (waiting != null) {
            waiting.forEach(ByteBuf::release);
            waiting.clear();
        }
    }
}
