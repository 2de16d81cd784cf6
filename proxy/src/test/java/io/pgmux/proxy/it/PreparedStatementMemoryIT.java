package io.pgmux.proxy.it;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.Parse;
import io.pgmux.proxy.prepared.PreparedStatement;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What one client's named statements may cost pgmux. pgmux keeps the text of every named statement
 * a client holds (to prepare it again on the next server), and the only bound is the number of
 * names ({@code max_client_prepared_statements}, 10,000) times {@code max_message_size} (64 MB):
 * one authenticated client can fill the heap and take pgmux down for everyone.
 *
 * <p>Found in the review of issue 9: 100 named statements of 4 MB each from one client left 426 MB
 * live on a 512 MB heap (after a full GC); a few more and the event loop gets OutOfMemoryError.
 */
class PreparedStatementMemoryIT {
    private static final String USER = "prep_memory_user";
    private static final int STATEMENTS = 100;
    private static final int TEXT_SIZE = 1024 * 1024;
    /** What a client's statement texts may hold in pgmux: far below what it asks for here (100 MB). */
    private static final long TEXT_BOUND = 32L * 1024 * 1024;
    private static Pgmux pgmux;

    @BeforeAll
    static void startPgmux() {
        TestPostgres.get().execute("DROP ROLE IF EXISTS " + USER + "; CREATE ROLE " + USER + " LOGIN");
        pgmux = Pgmux.start("pool_size: 1\n");
    }

    @AfterAll
    static void stopPgmux() {
        pgmux.close();
    }

    @Test
    @Disabled("defect found in review, not fixed: no bound on the bytes of a client's named statements; "
            + "needs a decision on the limit (per client and/or per pool, a new config key) and its SQLSTATE (53400 assumed)")
    void oneClientsStatementTextsAreBoundedAndThePastTheBoundOneIsRefused() throws Exception {
        try (RawClient client = pgmux.raw(USER)) {
            // when one client prepares 100 MB of distinct statement texts
            String refusal = null;
            for (int i = 0; i < STATEMENTS && refusal == null; i++) {
                client.send(new Parse("big_" + i, "SELECT " + i + " /* " + "x".repeat(TEXT_SIZE) + " */", new int[0]))
                        .sync().flush();
                List<Reply> replies = client.readUntilReady();
                if (replies.get(0).type() == Backend.ERROR_RESPONSE) {
                    refusal = replies.get(0).error().sqlState();
                } else {
                    assertEquals("1Z", RawClient.types(replies));
                }
            }

            // then pgmux refuses a statement before it holds much, with a clear error, and the client goes on
            assertEquals(SqlState.CONFIGURATION_LIMIT_EXCEEDED, refusal, "no statement was refused");
            assertTrue(heldText() < TEXT_BOUND, "pgmux holds " + heldText() / (1024 * 1024) + " MB of one client's statement texts");
            assertEquals("TDCZ", RawClient.types(client.query("SELECT 1")));
        }
    }

    private static long heldText() {
        return pgmux.server().pools().pool(TestPostgres.DATABASE, USER).orElseThrow().statements().all().stream()
                .map(PreparedStatement::key).mapToLong(key -> key.query().length()).sum();
    }
}
