package io.pgmux.proxy.peer;

import io.pgmux.proxy.config.PeerEntry;

/**
 * The process id field of the cancel keys a peered replica hands out ({@code BackendKeyData}):
 *
 * <pre>
 *  bit 31      bits 30..17        bits 16..0
 *  forwarded   peer_id (14 bits)  number of the client on that replica (1..131071)
 * </pre>
 *
 * <p>The secret is random, as a lone pgmux's. A replica gives out keys with bit 31 clear; it sets
 * it on a cancel it forwards to the replica the key names. A cancel with the bit set is looked up
 * on the replica that receives it and never sent on: a cancel crosses at most one hop, whatever
 * the peers' lists say, so no loop can form (PgBouncer keeps a hop count in its key instead).
 */
public final class PeerCancelKeys {
    static final int FORWARDED = 0x8000_0000;
    static final int ID_SHIFT = 17;
    /** The largest number of a client within one replica's keys. */
    public static final int MAX_LOCAL = (1 << ID_SHIFT) - 1;

    private PeerCancelKeys() {
    }

    /** The process id of client {@code local} (1..{@link #MAX_LOCAL}) of replica {@code peerId}. */
    public static int processId(int peerId, int local) {
        if (peerId < 1 || peerId > PeerEntry.MAX_ID || local < 1 || local > MAX_LOCAL) {
            throw new IllegalArgumentException("peer id 1.." + PeerEntry.MAX_ID + " and number 1.." + MAX_LOCAL
                    + " (got " + peerId + ", " + local + ")");
        }
        return peerId << ID_SHIFT | local;
    }

    /** The replica a key names (read as a peered replica's key). */
    public static int issuer(int processId) {
        return (processId & ~FORWARDED) >>> ID_SHIFT;
    }

    /** True if a replica forwarded this cancel: it must not be forwarded again. */
    public static boolean isForwarded(int processId) {
        return (processId & FORWARDED) != 0;
    }

    /** The process id as the replica that forwards it sends it on. */
    public static int markForwarded(int processId) {
        return processId | FORWARDED;
    }

    /** The process id as it was handed out, forwarded or not. */
    public static int unmarked(int processId) {
        return processId & ~FORWARDED;
    }
}
