package io.pgmux.proxy.client;

import io.netty.channel.Channel;

/**
 * Why a client's channel stopped reading. Reading resumes only when no reason is left, so one
 * reason ending (the server drained) cannot undo another (the client is still queued for a server).
 */
final class ReadPauses {
    /** Queued for a server with enough messages held back; see {@link ClientSession}. */
    static final int WAITING = 1;
    /** The server's channel is not writable. */
    static final int SERVER_FULL = 2;
    /** The link holds back client messages until the server answers (see {@link ServerLink#isStalled}). */
    static final int STALLED = 4;
    /** The client's own channel is not writable: it does not read what it is sent, so it is not read either. */
    static final int CLIENT_FULL = 8;
    /** The admin console's SUSPEND, until RESUME. */
    static final int SUSPENDED = 16;
    /** A FATAL error went to the client and its connection is closing: never resumed. */
    static final int CLOSING = 32;

    private final Channel channel;
    private int reasons;

    ReadPauses(Channel channel) {
        this.channel = channel;
    }

    void pause(int reason) {
        if (reasons == 0) {
            channel.config().setAutoRead(false);
        }
        reasons |= reason;
    }

    void resume(int reason) {
        if (reasons == 0) {
            return;
        }
        reasons &= ~reason;
        if (reasons == 0) {
            channel.config().setAutoRead(true);
        }
    }
}
