package io.pgmux.proxy.fuzz;

import io.pgmux.protocol.message.ErrorResponse;

/**
 * What a fuzzed client saw after its steps (and its probe, when it sent one).
 *
 * @param ending      how the exchange ended
 * @param lastError   the last ErrorResponse received, or null
 * @param replyTypes  the types of the messages received after the client entered its state, e.g. "CZE"
 */
record Outcome(Ending ending, ErrorResponse lastError, String replyTypes) {

    enum Ending {
        /** The probe was answered: the last message is a ReadyForQuery and nothing more came. */
        REPLIED,
        /** No probe was sent (the steps left a message unfinished, or the client is not logged in) and pgmux went quiet. */
        QUIET,
        /** pgmux closed the connection after an ErrorResponse. */
        CLOSED_WITH_ERROR,
        /** pgmux closed the connection without a last ErrorResponse. */
        CLOSED_WITHOUT_ERROR,
        /** The probe got no ReadyForQuery in time and the connection stayed open: a client left waiting. */
        HUNG,
        /** The bytes received are not backend messages. */
        UNREADABLE
    }

    @Override
    public String toString() {
        return ending + " after " + replyTypes + (lastError != null ? " (last error " + lastError + ")" : "");
    }
}
