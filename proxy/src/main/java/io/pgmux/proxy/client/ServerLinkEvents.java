package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;

/** What the session does with the outcome of a {@link ServerLink}'s work (and of the classes it delegates to). */
interface ServerLinkEvents extends SettingChanges.Client {
    /** A frame for the client (forwarded or made by pgmux); the receiver owns it. */
    void toClient(ByteBuf frame);

    /** One of pgmux's own queries got its ReadyForQuery. */
    void onInjectedQueryDone(InjectedQuery query);

    /** A ReadyForQuery for a client's query or Sync, sent that many nanoseconds earlier. */
    void onQueryDone(long nanos);

    /**
     * That ReadyForQuery said idle: the client's transaction (explicit or not) ended, {@code nanos}
     * after the server was first asked for something in it ({@link ServerLink#NO_TRANSACTION} when
     * nothing was asked since it was last idle).
     */
    default void onTransactionEnded(long nanos) {
    }

    /** An error went to the client. */
    void onErrorToClient(String sqlState);

    /** The server's replies do not match what was sent: the link cannot be trusted. */
    void onLostTrack(String what);

    /** Statement pooling: the client's statement left a transaction open (its ReadyForQuery was not forwarded). */
    void onTransactionBlockRefused();

    /** The client's session features (transaction mode), or null when nothing follows them. */
    default SessionFeatureGate sessionFeatures() {
        return null;
    }

    /** {@code max_message_size}: the most pgmux holds of a streamed Query's text outside its long literals. */
    default int maxMessageSize() {
        return 64 * 1024 * 1024;
    }
}
