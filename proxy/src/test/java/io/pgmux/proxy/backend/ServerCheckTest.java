package io.pgmux.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.ReadyForQuery;
import io.pgmux.protocol.message.WireMessage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a server check makes of the server's answer: passed only on an idle ReadyForQuery with no error before it. */
class ServerCheckTest {
    private final List<String> outcomes = new ArrayList<>();
    private final ServerCheck check = new ServerCheck(outcomes::add);

    @Test
    void anIdleReadyForQueryPasses() {
        feed(new ReadyForQuery(TransactionStatus.IDLE));

        assertEquals(1, outcomes.size());
        assertNull(outcomes.get(0));
        assertTrue(check.isDone());
    }

    @Test
    void anErrorBeforeTheReadyForQueryFails() {
        feed(ErrorResponse.error("22012", "division by zero"));
        assertTrue(outcomes.isEmpty(), "nothing told before the ReadyForQuery");

        feed(new ReadyForQuery(TransactionStatus.IDLE));

        assertEquals(1, outcomes.size());
        assertTrue(outcomes.get(0).contains("division by zero"), outcomes::toString);
    }

    @Test
    void aServerLeftInATransactionFails() {
        feed(new ReadyForQuery(TransactionStatus.IN_TRANSACTION));

        assertTrue(outcomes.get(0).contains("transaction"), outcomes::toString);
    }

    @Test
    void theOutcomeIsToldOnce() {
        check.fail("the connection closed");
        check.fail("no answer");
        feed(new ReadyForQuery(TransactionStatus.IDLE));

        assertEquals(List.of("the connection closed"), outcomes);
    }

    private void feed(WireMessage message) {
        ByteBuf frame = message.encode(UnpooledByteBufAllocator.DEFAULT);
        try {
            check.onFrame(frame);
        } finally {
            frame.release();
        }
    }
}
