package io.pgmux.proxy.it;

import io.pgmux.protocol.SqlState;
import io.pgmux.proxy.testing.Bystander;
import io.pgmux.proxy.testing.SmallMemoryPgmux;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Query far larger than pgmux's memory, and than {@code max_message_size} (1 MB here), streams
 * to Postgres in chunks while pgmux still reads what it must in its text: the SET after a huge
 * statement follows the client to another server, a LISTEN after one pins. A statement pgmux
 * follows whose literal it cannot keep ends that client's connection, and nothing of its query runs.
 */
class LargeQueryIT {
    private static final String USER = "large_query_user";
    private static final int MB = 1 << 20;
    private static final int BIG_READ_TIMEOUT_MILLIS = 300_000;

    @RegisterExtension
    static final SmallMemoryPgmux pgmux = SmallMemoryPgmux.withConfig("event_loops: 4\nmax_message_size: 1MB\n", USER, "large_query", "n int");

    @Test
    void aQueryOf500MbPassesWhileAnotherClientGoesOn() throws Exception {
        int size = 500 * MB;
        try (Bystander bystander = Bystander.start("127.0.0.1", pgmux.port(), TestPostgres.DATABASE, USER);
             RawClient client = connect()) {
            long started = System.nanoTime();
            sendWithLiteral(client, "SELECT length('", size, "')");
            List<RawClient.Reply> replies = client.readUntilReady();
            long millis = (System.nanoTime() - started) / 1_000_000;

            assertEquals("TDCZ", RawClient.types(replies), replies::toString);
            assertEquals(List.of(String.valueOf(size)), replies.get(1).row());
            assertEquals("TDCZ", RawClient.types(client.query("SELECT 'the same client goes on'")));
            assertTrue(bystander.finish() > 0, "the other client got answers while the query passed");
            System.out.println("LargeQueryIT: a 500 MB Query answered in " + millis + " ms");
        }
        assertPgmuxWell();
    }

    @Test
    void aSetAfterABigStatementFollowsTheClientToAnotherServer() throws Exception {
        try (RawClient client = connect()) {
            sendWithLiteral(client, "SELECT pg_backend_pid(), length('", 2 * MB, "'); SET work_mem = '7MB'");
            List<RawClient.Reply> replies = client.readUntilReady();
            assertEquals("TDCCZ", RawClient.types(replies), replies::toString);
            String firstServer = replies.get(1).row().get(0);

            // others take servers until one holds the client's first server
            List<RawClient> holders = new ArrayList<>();
            try {
                boolean held = false;
                for (int i = 0; i < 20 && !held; i++) {
                    RawClient holder = connect();
                    holders.add(holder);
                    holder.query("BEGIN");
                    List<RawClient.Reply> in = holder.query("SELECT pg_backend_pid(), current_setting('work_mem')");
                    assertEquals("4MB", in.get(1).row().get(1), "the client's SET did not reach another client");
                    held = in.get(1).row().get(0).equals(firstServer);
                }
                assertTrue(held, "a holder got the client's first server");

                List<RawClient.Reply> after = client.query("SELECT pg_backend_pid(), current_setting('work_mem')");
                assertNotEquals(firstServer, after.get(1).row().get(0), "another server");
                assertEquals("7MB", after.get(1).row().get(1), "the SET after the streamed statement followed the client");
            } finally {
                for (RawClient holder : holders) {
                    holder.close();
                }
            }
        }
        assertPgmuxWell();
    }

    @Test
    void aListenAfterABigStatementPinsTheClient() throws Exception {
        try (RawClient listener = connect(); RawClient notifier = connect()) {
            sendWithLiteral(listener, "SELECT length('", 2 * MB, "'); LISTEN large_query_channel");
            assertEquals("TDCCZ", RawClient.types(listener.readUntilReady()));

            notifier.query("NOTIFY large_query_channel, 'after the big query'");

            List<RawClient.Reply> replies = listener.query("SELECT 1");
            assertEquals('A', replies.get(0).typeChar(), replies::toString);
            assertTrue(new String(replies.get(0).frame(), StandardCharsets.UTF_8).contains("after the big query"));
        }
        assertPgmuxWell();
    }

    @Test
    void aSetWhoseValueIsTooLongToFollowEndsOnlyThatClientAndNothingRuns() throws Exception {
        assertRefusedAndNothingRan("SET application_name = '", "a statement pgmux follows");
    }

    @Test
    void anSqlPreparedStatementNameInAStreamedQueryEndsOnlyThatClientAndNothingRuns() throws Exception {
        assertRefusedAndNothingRan("EXECUTE big('", "SQL prepared statement name");
    }

    /** An INSERT, then {@code statement} with a 2 MB literal: 54000 naming {@code why}, the connection closed, no row. */
    private static void assertRefusedAndNothingRan(String statement, String why) throws Exception {
        try (RawClient other = connect(); RawClient client = connect()) {
            client.query("DELETE FROM large_query");
            sendWithLiteral(client, "INSERT INTO large_query VALUES (1); " + statement, 2 * MB, "'" + (statement.endsWith("('") ? ")" : ""));

            RawClient.Reply reply = client.read();
            assertEquals('E', reply.typeChar(), reply::toString);
            assertEquals(SqlState.PROGRAM_LIMIT_EXCEEDED, reply.error().sqlState());
            assertTrue(reply.error().message().contains(why), reply::toString);
            assertTrue(client.isClosedByPeer(), "the connection is closed");

            List<RawClient.Reply> count = other.query("SELECT count(*) FROM large_query");
            assertEquals(List.of("0"), count.get(1).row(), "nothing of the refused query ran");
        }
    }

    private static RawClient connect() throws Exception {
        return RawClient.connect("127.0.0.1", pgmux.port(), TestPostgres.DATABASE, USER).readTimeout(BIG_READ_TIMEOUT_MILLIS);
    }

    /** Sends a Query: {@code before}, a literal of {@code size} letters q, {@code after}. */
    private static void sendWithLiteral(RawClient client, String before, int size, String after) throws Exception {
        byte[] piece = new byte[MB];
        Arrays.fill(piece, (byte) 'q');
        client.sendLarge('Q', before.getBytes(StandardCharsets.UTF_8), piece, size / MB,
                (after + "\0").getBytes(StandardCharsets.UTF_8));
    }

    private static void assertPgmuxWell() {
        assertTrue(pgmux.process().isAlive(), pgmux::text);
        assertEquals(List.of(), pgmux.lines().stream()
                .filter(line -> line.contains("ERROR") || line.contains("WARN") || line.startsWith("\tat ")).toList());
    }
}
