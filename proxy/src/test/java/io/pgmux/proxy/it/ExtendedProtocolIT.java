package io.pgmux.proxy.it;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.Execute;
import io.pgmux.protocol.message.Parse;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import static io.pgmux.proxy.testing.TestSql.intDirect;
import static io.pgmux.proxy.testing.TestSql.intScalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The message flows of the simple and extended query protocols, byte-level, through a pool of two
 * servers: pipelines, Flush, errors inside batches, empty queries, notices and transaction status.
 */
class ExtendedProtocolIT {
    private static final String USER = "extproto_user";
    private static final String TABLE = "extproto_rows";

    @RegisterExtension
    static final PgmuxFixture pgmux = PgmuxFixture.withConfig("pool_size: 2\nquery_wait_timeout: 20s\n")
            .role(USER)
            .emptyTable(TABLE, "tag text, n int");

    @Test
    void pipelineOfThreeSyncedQueriesIsAnsweredCompletelyAndInOrder() throws IOException {
        try (RawClient client = pgmux.raw(USER)) {
            // given three Parse/Bind/Execute/Sync groups written at once
            for (int i = 1; i <= 3; i++) {
                unnamed(client, "SELECT " + i + " * 10, pg_backend_pid()").sync();
            }
            client.flush();

            // then three complete answers arrive, in the order asked
            List<Reply> replies = client.readUntilReady(3);
            assertEquals("12DCZ12DCZ12DCZ", RawClient.types(replies));
            assertEquals("10", replies.get(2).row().get(0));
            assertEquals("20", replies.get(7).row().get(0));
            assertEquals("30", replies.get(12).row().get(0));
            assertEquals(TransactionStatus.IDLE, replies.get(14).status());
            String pid = replies.get(2).row().get(1);
            assertEquals(pid, replies.get(7).row().get(1), "one server for the whole pipeline");
            assertEquals(pid, replies.get(12).row().get(1), "one server for the whole pipeline");

            // and the connection goes on
            assertEquals("1", onlyValue(client.query("SELECT 1")));
        }
    }

    @Test
    void flushWithoutSyncGetsTheResponsesSoFarAndKeepsTheServerUntilSync() throws Exception {
        try (RawClient client = pgmux.raw(USER); Connection other = pgmux.jdbc(USER)) {
            // given an insert sent with Flush but no Sync: its implicit transaction stays open
            unnamed(client, "INSERT INTO " + TABLE + " VALUES ('flushed', 1) RETURNING pg_backend_pid(), txid_current()")
                    .flushMessage().flush();
            List<Reply> first = client.read(4);
            assertEquals("12DC", RawClient.types(first));
            String pid = first.get(2).row().get(0);
            String xid = first.get(2).row().get(1);

            // when another client works meanwhile (the pool's other server)
            for (int i = 0; i < 5; i++) {
                assertEquals(0, intScalar(other, "SELECT count(*) FROM " + TABLE + " WHERE tag = 'flushed'"));
            }
            assertEquals(xid, openTransactionOf(pid), "the first client's transaction is still open on its server");

            // then the first client's Sync completes the same transaction on the same server
            unnamed(client, "SELECT pg_backend_pid(), txid_current()").sync().flush();
            List<Reply> second = client.readUntilReady();
            assertEquals("12DCZ", RawClient.types(second));
            assertEquals(List.of(pid, xid), second.get(2).row());
            assertEquals(TransactionStatus.IDLE, second.get(4).status());
            assertEquals(1, intScalar(other, "SELECT count(*) FROM " + TABLE + " WHERE tag = 'flushed'"));
        }
    }

    @Test
    void errorInTheMiddleOfABatchSkipsToSyncAndRollsTheBatchBack() throws Exception {
        try (RawClient client = pgmux.raw(USER)) {
            // given three statements before one Sync, the second failing at execution
            unnamed(client, "INSERT INTO " + TABLE + " VALUES ('batch', 1)");
            unnamed(client, "SELECT 1 / (0 * random())::int");
            unnamed(client, "INSERT INTO " + TABLE + " VALUES ('batch', 3)");
            client.sync().flush();

            // then the error comes once, nothing more until the Sync's ReadyForQuery
            List<Reply> replies = client.readUntilReady();
            assertEquals("12C12EZ", RawClient.types(replies));
            assertEquals("22012", replies.get(5).error().sqlState());
            assertEquals(TransactionStatus.IDLE, replies.get(6).status());

            // and the batch was one implicit transaction: nothing of it stayed
            assertEquals(0, intDirect("SELECT count(*) FROM " + TABLE + " WHERE tag = 'batch'"));
            assertEquals("1", onlyValue(client.query("SELECT 1")));
        }
    }

    @Test
    void errorInTheFirstSyncGroupOfAPipelineLeavesTheSecondGroupRunning() throws Exception {
        try (RawClient client = pgmux.raw(USER)) {
            // given a failing group and a good group in one write
            unnamed(client, "SELECT 1 / (0 * random())::int").sync();
            unnamed(client, "INSERT INTO " + TABLE + " VALUES ('second', 2)").sync();
            client.flush();

            // then the first group fails and the second one runs and commits
            List<Reply> replies = client.readUntilReady(2);
            assertEquals("12EZ12CZ", RawClient.types(replies));
            assertEquals("22012", replies.get(2).error().sqlState());
            assertEquals("INSERT 0 1", replies.get(6).tag());
            assertEquals(1, intDirect("SELECT count(*) FROM " + TABLE + " WHERE tag = 'second'"));
        }
    }

    @Test
    void emptyQueriesGetEmptyQueryResponse() throws IOException {
        try (RawClient client = pgmux.raw(USER)) {
            assertEquals("IZ", RawClient.types(client.query("")));

            unnamed(client, "").sync().flush();
            assertEquals("12IZ", RawClient.types(client.readUntilReady()));

            assertEquals("1", onlyValue(client.query("SELECT 1")));
        }
    }

    @Test
    void multiStatementSimpleQueryGivesEachResultAndOneReadyForQuery() throws IOException {
        List<Reply> replies = queryOnNewClient("SELECT 1; SELECT 2; SELECT 3");

        assertEquals("TDCTDCTDCZ", RawClient.types(replies));
        assertEquals(List.of("1"), replies.get(1).row());
        assertEquals(List.of("2"), replies.get(4).row());
        assertEquals(List.of("3"), replies.get(7).row());
    }

    @Test
    void errorInAMultiStatementQueryEndsItThere() throws Exception {
        List<Reply> replies = queryOnNewClient("INSERT INTO " + TABLE + " VALUES ('multi', 1); SELECT 1 / 0; "
                + "INSERT INTO " + TABLE + " VALUES ('multi', 3)");

        assertEquals("CEZ", RawClient.types(replies));
        assertEquals("22012", replies.get(1).error().sqlState());
        assertEquals(TransactionStatus.IDLE, replies.get(2).status());
        assertEquals(0, intDirect("SELECT count(*) FROM " + TABLE + " WHERE tag = 'multi'"),
                "a multi-statement query is one implicit transaction");
    }

    @Test
    void portalRunInChunksAcrossSyncsInsideATransactionStaysOnItsServer() throws IOException {
        try (RawClient client = pgmux.raw(USER)) {
            // given a portal opened inside a transaction, run two rows at a time, one Sync per chunk
            client.query("BEGIN");
            client.send(new Parse("", "SELECT g, pg_backend_pid() FROM generate_series(1, 5) g", new int[0]))
                    .bind("", "").send(new Execute("", 2)).sync().flush();
            List<Reply> first = client.readUntilReady();
            assertEquals("12DDsZ", RawClient.types(first));
            assertEquals(TransactionStatus.IN_TRANSACTION, first.get(5).status());
            String pid = first.get(2).row().get(1);

            // when the client asks for the rest in later round trips
            client.send(new Execute("", 2)).sync().flush();
            List<Reply> second = client.readUntilReady();
            client.send(new Execute("", 0)).sync().flush();
            List<Reply> third = client.readUntilReady();

            // then the same portal on the same server delivers rows 3 to 5
            assertEquals("DDsZ", RawClient.types(second));
            assertEquals(List.of("3", pid), second.get(0).row());
            assertEquals(List.of("4", pid), second.get(1).row());
            assertEquals("DCZ", RawClient.types(third));
            assertEquals(List.of("5", pid), third.get(0).row());
            assertEquals("SELECT 1", third.get(1).tag());
            assertEquals(TransactionStatus.IDLE, last(client.query("COMMIT")).status());
        }
    }

    @Test
    void functionCallIsAnsweredAndGivesTheServerBack() throws Exception {
        int oid = intDirect("SELECT 'pg_backend_pid'::regproc::oid::int");
        try (RawClient client = pgmux.raw(USER)) {
            // FunctionCall: function oid, no argument formats, no arguments, text result
            client.sendMessage('F', ByteBuffer.allocate(10).putInt(oid).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 0).array()).flush();

            List<Reply> replies = client.readUntilReady();

            assertEquals("VZ", RawClient.types(replies));
            ByteBuffer result = ByteBuffer.wrap(replies.get(0).frame(), 5, replies.get(0).frame().length - 5);
            byte[] value = new byte[result.getInt()];
            result.get(value);
            int pid = Integer.parseInt(new String(value, StandardCharsets.US_ASCII));
            assertTrue(pid > 0);
            pgmux.awaitNoServerHeld(USER);
            assertEquals("1", onlyValue(client.query("SELECT 1")));
        }
    }

    @Test
    void noticesReachTheClient() throws IOException {
        List<Reply> replies = queryOnNewClient("DO $$ BEGIN RAISE NOTICE 'hi from %', 'plpgsql'; END $$");

        assertEquals("NCZ", RawClient.types(replies));
        assertEquals("hi from plpgsql", replies.get(0).error().message());
        assertEquals("NOTICE", replies.get(0).error().severity());
    }

    @Test
    void openTransactionKeepsItsServerUntilCommit() throws Exception {
        try (RawClient client = pgmux.raw(USER); RawClient other = pgmux.raw(USER)) {
            // given an explicit transaction
            List<Reply> begin = client.query("BEGIN");
            assertEquals(TransactionStatus.IN_TRANSACTION, last(begin).status());
            String pid = onlyValue(client.query("SELECT pg_backend_pid()"));

            // when another client runs statements meanwhile, it gets the other server
            for (int i = 0; i < 5; i++) {
                assertNotEquals(pid, onlyValue(other.query("SELECT pg_backend_pid()")));
                List<Reply> inside = client.query("INSERT INTO " + TABLE + " VALUES ('tx', " + i + ") RETURNING pg_backend_pid()");
                assertEquals(pid, inside.get(1).row().get(0));
                assertEquals(TransactionStatus.IN_TRANSACTION, last(inside).status());
            }
            assertEquals(0, intDirect("SELECT count(*) FROM " + TABLE + " WHERE tag = 'tx'"));

            // then COMMIT ends it and the status goes back to idle
            List<Reply> commit = client.query("COMMIT");
            assertEquals("COMMIT", commit.get(0).tag());
            assertEquals(TransactionStatus.IDLE, last(commit).status());
            assertEquals(5, intDirect("SELECT count(*) FROM " + TABLE + " WHERE tag = 'tx'"));
        }
    }

    @Test
    void rollbackAfterAnErrorInATransactionEndsTheFailedState() throws Exception {
        try (RawClient client = pgmux.raw(USER)) {
            // given a transaction that failed
            client.query("BEGIN");
            client.query("INSERT INTO " + TABLE + " VALUES ('failed', 1)");
            List<Reply> failure = client.query("SELECT 1 / 0");
            assertEquals("22012", failure.get(0).error().sqlState());
            assertEquals(TransactionStatus.FAILED, last(failure).status());
            List<Reply> refused = client.query("SELECT 1");
            assertEquals("25P02", refused.get(0).error().sqlState());
            assertEquals(TransactionStatus.FAILED, last(refused).status());

            // when it is rolled back
            List<Reply> rollback = client.query("ROLLBACK");

            // then the session is idle and usable, and nothing of the transaction stayed
            assertEquals("ROLLBACK", rollback.get(0).tag());
            assertEquals(TransactionStatus.IDLE, last(rollback).status());
            assertEquals("1", onlyValue(client.query("SELECT 1")));
            assertEquals(0, intDirect("SELECT count(*) FROM " + TABLE + " WHERE tag = 'failed'"));
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Queues Parse, Bind and Execute of {@code sql} as the unnamed statement and portal. */
    /** The replies to one simple query, sent by a client that connects for it and leaves. */
    private static List<Reply> queryOnNewClient(String sql) throws IOException {
        try (RawClient client = pgmux.raw(USER)) {
            return client.query(sql);
        }
    }

    private static RawClient unnamed(RawClient client, String sql) {
        return client.send(new Parse("", sql, new int[0])).bind("", "").send(new Execute("", 0));
    }


    private static String onlyValue(List<Reply> replies) {
        assertEquals("TDCZ", RawClient.types(replies), () -> "replies: " + replies);
        return replies.get(1).row().get(0);
    }

    private static Reply last(List<Reply> replies) {
        Reply reply = replies.get(replies.size() - 1);
        assertEquals(Backend.READY_FOR_QUERY, reply.type());
        return reply;
    }

    /** The id of the transaction backend {@code pid} has open (assigned by a write), or null. */
    private static String openTransactionOf(String pid) throws SQLException {
        try (Connection direct = TestPostgres.get().connect(TestPostgres.DATABASE, TestPostgres.SUPERUSER, null);
             Statement st = direct.createStatement();
             ResultSet rs = st.executeQuery("SELECT backend_xid FROM pg_stat_activity WHERE pid = " + Integer.parseInt(pid))) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
