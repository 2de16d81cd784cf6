package io.pgmux.proxy.client;

import io.pgmux.protocol.Frontend;

/**
 * Where the server a {@link ServerLink} holds stands in the client's stream with respect to Sync:
 * with the replies still owed, it decides whether the server may go back to its pool. Only
 * {@code ServerLink.moveTo} changes it, and it refuses a change not drawn here:
 *
 * <pre>
 *            Parse, Bind, Describe, Execute, Close
 *  SYNCED ─────────────────────────────────────────▶ UNSYNCED
 *    ▲ ▲ ◀──── Sync (the client's or pgmux's), Query ───┘ │
 *    │ │                                                   │ an error, and no Sync sent after it
 *    │ └──────────────── Sync ──────────── SKIPPING ◀──────┘ (also from SYNCED: the error cut a Query short)
 *    │
 *    └─ CopyDone, CopyFail, error ── COPY_IN ◀── CopyInResponse to a Query ── SYNCED
 *
 *  UNSYNCED ─ CopyInResponse ─▶ COPY_IN_UNSYNCED ─ CopyDone, CopyFail, error ─▶ UNSYNCED
 *  SYNCED ─ CopyInResponse to an Execute (the Sync sent behind it does not count) ─▶ COPY_IN_UNSYNCED,
 *           or UNSYNCED when the client's CopyDone went out before it
 * </pre>
 *
 * <p>COPY has two phases because a copy leaves the stream where it found it: a Query's copy
 * (normally from SYNCED) ends synced, an Execute's ends with the client's Sync still to come.
 */
enum SyncPhase {
    /** Every extended-protocol message sent has a Sync behind it, or only simple queries were sent. */
    SYNCED,
    /** Extended-protocol messages went out since the client's last Sync: their implicit transaction is open. */
    UNSYNCED,
    /** A message failed: the server discards everything up to the next Sync, none has been sent, and nothing is owed. */
    SKIPPING,
    /** COPY FROM STDIN in a synced stream: only CopyData, CopyDone, CopyFail, Flush and Sync may go, and the server ignores Syncs. */
    COPY_IN,
    /** COPY FROM STDIN in an unsynced stream (an Execute's): when it ends, the client's Sync is still to come. */
    COPY_IN_UNSYNCED;

    /** Whether extended-protocol messages wait for a Sync the server will count: the server cannot go back yet. */
    boolean unsynced() {
        return this == UNSYNCED || this == SKIPPING || this == COPY_IN_UNSYNCED;
    }

    /** Whether the server is reading the client's COPY data. */
    boolean copyingIn() {
        return this == COPY_IN || this == COPY_IN_UNSYNCED;
    }

    /** Whether the client may send a message of this type while the server reads its COPY data. */
    static boolean isCopyInMessage(byte type) {
        return switch (type) {
            case Frontend.COPY_DATA, Frontend.COPY_DONE, Frontend.COPY_FAIL, Frontend.FLUSH, Frontend.SYNC -> true;
            default -> false;
        };
    }

    /** The phase a COPY FROM STDIN leads to from here. */
    SyncPhase copying() {
        return unsynced() ? COPY_IN_UNSYNCED : COPY_IN;
    }

    /** The phase once a copy ends (the client ended its data, or an error ended the copy); others stay. */
    SyncPhase afterCopy() {
        return switch (this) {
            case COPY_IN -> SYNCED;
            case COPY_IN_UNSYNCED -> UNSYNCED;
            default -> this;
        };
    }

    /** Whether a link in this phase may move to {@code next}: the arrows of the diagram above. */
    boolean mayBecome(SyncPhase next) {
        return switch (this) {
            case SYNCED -> next == UNSYNCED || next == SKIPPING || next == COPY_IN || next == COPY_IN_UNSYNCED;
            case UNSYNCED -> next == SYNCED || next == SKIPPING || next == COPY_IN_UNSYNCED;
            case SKIPPING, COPY_IN -> next == SYNCED;
            case COPY_IN_UNSYNCED -> next == UNSYNCED;
        };
    }
}
