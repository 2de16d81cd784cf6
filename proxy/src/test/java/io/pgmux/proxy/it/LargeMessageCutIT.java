package io.pgmux.proxy.it;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.message.Query;
import io.pgmux.proxy.testing.FaultRelay;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.LargeReply;
import io.pgmux.proxy.testing.TestPostgres;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A row that pgmux streams to its client cannot be finished when its server goes away in the middle
 * of it: the client's connection ends there, with nothing of pgmux's written into the row (an error
 * message would be read as the rest of the row, and a driver would take it for data).
 */
class LargeMessageCutIT {
    private static final String USER = "cut_row_user";
    private static final int SIZE = 200 << 20;

    @Test
    void aServerGoneInTheMiddleOfARowEndsTheClientsConnectionThereAndNothingIsWrittenIntoTheRow() throws Exception {
        TestPostgres.get().execute("DROP ROLE IF EXISTS " + USER + "; CREATE ROLE " + USER + " LOGIN");
        try (FaultRelay relay = FaultRelay.toPostgres();
             Pgmux pgmux = Pgmux.start("upstream: \"" + relay.address() + "\"\n");
             RawClient client = pgmux.raw(USER).readTimeout(120_000)) {
            // given a client that has the beginning of a large row and reads no more for now
            client.send(new Query("SELECT repeat('x', " + SIZE + ")")).flush();
            assertEquals('T', client.read().typeChar()); // Postgres sends it with the row's first bytes
            Thread.sleep(Duration.ofSeconds(1).toMillis());

            // when the server's connection is reset in the middle of the row
            relay.resetAll();

            // then the client reads the part of the row that came, and the end of the connection
            LargeReply row = client.readLarge((byte) 'x');
            assertEquals(Backend.DATA_ROW, row.type());
            assertTrue(row.received() < 2 + 4 + SIZE, "the row cannot have been finished: " + row);
            assertEquals(row.received() - 2 - 4, row.counted(), "only the row's own bytes arrived: " + row);
            assertTrue(client.isClosedByPeer());
        }
    }
}
