package io.pgmux.proxy.it;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.Close;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Parse;
import io.pgmux.protocol.message.Target;
import io.pgmux.proxy.prepared.PreparedStatement;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What one client's named statements may cost pgmux. pgmux keeps the text of every named statement
 * a client holds (to prepare it again on the next server); the number of names alone
 * ({@code max_client_prepared_statements}) times {@code max_message_size} would let one client fill
 * the heap, so the text is bounded too ({@code max_client_prepared_statements_size}, 16 MB).
 *
 * <p>Found in the review of issue 9: before the bound, 100 named statements of 4 MB each from one
 * client left 426 MB live on a 512 MB heap (after a full GC).
 */
class PreparedStatementMemoryIT {
    private static final String USER = "prep_memory_user";
    private static final int STATEMENTS = 100;
    private static final int TEXT_SIZE = 1024 * 1024;
    /** What a client's statement texts may hold in pgmux: far below what it asks for here (100 MB). */
    private static final long TEXT_BOUND = 32L * 1024 * 1024;

    @RegisterExtension
    static final PgmuxFixture pgmux = PgmuxFixture.withConfig("pool_size: 1\n").role(USER);

    @Test
    void oneClientsStatementTextsAreBoundedAndThePastTheBoundOneIsRefused() throws Exception {
        try (RawClient client = pgmux.raw(USER)) {
            // when one client prepares 100 MB of distinct statement texts
            ErrorResponse refusal = null;
            int prepared = 0;
            for (int i = 0; i < STATEMENTS && refusal == null; i++) {
                client.send(new Parse("big_" + i, "SELECT " + i + " /* " + "x".repeat(TEXT_SIZE) + " */", new int[0]))
                        .sync().flush();
                List<Reply> replies = client.readUntilReady();
                if (replies.get(0).type() == Backend.ERROR_RESPONSE) {
                    refusal = replies.get(0).error();
                } else {
                    assertEquals("1Z", RawClient.types(replies));
                    prepared++;
                }
            }

            // then pgmux refuses a statement before it holds much, with a clear error, and the client goes on
            assertTrue(refusal != null, "no statement was refused");
            assertEquals(SqlState.CONFIGURATION_LIMIT_EXCEEDED, refusal.sqlState());
            assertTrue(refusal.message().contains("max_client_prepared_statements_size"), refusal.message());
            assertTrue(heldText() < TEXT_BOUND, "pgmux holds " + heldText() / (1024 * 1024) + " MB of one client's statement texts");
            assertEquals("TDCZ", RawClient.types(client.query("SELECT 1")));

            // and closing a statement makes room for another one, the refused one's size
            client.send(new Close(Target.STATEMENT, "big_0")).sync().flush();
            assertEquals("3Z", RawClient.types(client.readUntilReady()));
            client.send(new Parse("big_again", "SELECT 0 /* " + "y".repeat(TEXT_SIZE) + " */", new int[0])).sync().flush();
            assertEquals("1Z", RawClient.types(client.readUntilReady()));
            assertTrue(prepared >= 8, "only " + prepared + " statements of 1 MB fit under the 16 MB default");
        }
    }

    private static long heldText() {
        return pgmux.pool(USER).statements().all().stream()
                .map(PreparedStatement::key).mapToLong(key -> key.query().length()).sum();
    }
}
