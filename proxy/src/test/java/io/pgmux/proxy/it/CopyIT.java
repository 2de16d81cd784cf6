package io.pgmux.proxy.it;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.Describe;
import io.pgmux.protocol.message.Execute;
import io.pgmux.protocol.message.Parse;
import io.pgmux.protocol.message.Query;
import io.pgmux.protocol.message.Target;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;
import org.postgresql.util.PSQLException;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import static io.pgmux.proxy.testing.TestSql.intDirect;
import static io.pgmux.proxy.testing.TestSql.intScalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** COPY in both directions through pgmux, and COPYs that fail: the session and the pool go on. */
class CopyIT {
    private static final String USER = "copy_user";
    private static final String TABLE = "copy_rows";

    @RegisterExtension
    static final PgmuxFixture pgmux = PgmuxFixture.withConfig("pool_size: 2\nquery_wait_timeout: 20s\n")
            .role(USER)
            .emptyTable(TABLE, "id int, label text");

    @Test
    void copyInOfHundredThousandRowsAndCopyOutReadThemBackExactly() throws Exception {
        String rows = rows(1, 100_000);
        try (Connection connection = pgmux.jdbc(USER)) {
            CopyManager copy = copyApi(connection);

            long copiedIn = copy.copyIn("COPY " + TABLE + " FROM STDIN", new StringReader(rows));

            assertEquals(100_000, copiedIn);
            StringWriter out = new StringWriter();
            long copiedOut = copy.copyOut("COPY (SELECT * FROM " + TABLE + " ORDER BY id) TO STDOUT", out);
            assertEquals(100_000, copiedOut);
            assertEquals(rows, out.toString());
            assertEquals(100_000, intScalar(connection, "SELECT count(*) FROM " + TABLE));
        }
        assertNoServerInCopy();
    }

    @Test
    void copyInFailingOnABadRowReportsTheErrorAndTheSessionGoesOn() throws Exception {
        // given 50k good rows, a bad one, and 50k more
        String rows = rows(1, 50_000) + "not-a-number\tbad\n" + rows(50_001, 100_000);
        try (Connection connection = pgmux.jdbc(USER)) {
            CopyManager copy = copyApi(connection);

            // when the COPY hits the bad row
            PSQLException error = assertThrows(PSQLException.class,
                    () -> copy.copyIn("COPY " + TABLE + " FROM STDIN", new StringReader(rows)));

            // then the client gets Postgres' error, no row stays, and the same connection goes on
            assertEquals("22P02", error.getSQLState(), error.getMessage());
            assertEquals(0, intScalar(connection, "SELECT count(*) FROM " + TABLE));
            assertEquals(7, intScalar(connection, "SELECT 7"));
        }
        // and so does the pool: every server is out of COPY and serves other clients
        assertNoServerInCopy();
        for (int i = 0; i < 4; i++) {
            try (Connection connection = pgmux.jdbc(USER)) {
                assertEquals(i, intScalar(connection, "SELECT " + i));
            }
        }
    }

    @Test
    void copyFailFromTheClientAbortsTheCopyAndTheSessionGoesOn() throws Exception {
        try (RawClient client = pgmux.raw(USER)) {
            // given a COPY FROM STDIN that received one row
            client.send(new Query("COPY " + TABLE + " FROM STDIN")).flush();
            assertEquals(Backend.COPY_IN_RESPONSE, client.read().type());
            client.sendMessage('d', "1\tsent before CopyFail\n".getBytes(StandardCharsets.UTF_8));

            // when the client gives up with CopyFail
            client.sendMessage('f', "client changed its mind\0".getBytes(StandardCharsets.UTF_8)).flush();

            // then Postgres reports the failure with the client's reason, and the session is idle and usable
            List<Reply> replies = client.readUntilReady();
            assertEquals("EZ", RawClient.types(replies));
            assertEquals("57014", replies.get(0).error().sqlState());
            assertTrue(replies.get(0).error().message().contains("client changed its mind"), replies.get(0).error().message());
            assertEquals(TransactionStatus.IDLE, replies.get(1).status());
            List<Reply> next = client.query("SELECT count(*) FROM " + TABLE);
            assertEquals("TDCZ", RawClient.types(next));
            assertEquals(List.of("0"), next.get(1).row());
        }
        assertNoServerInCopy();
    }

    @Test
    void copyDataStillInFlightAfterTheCopyFailedIsDroppedAndTheNextQueryIsAnswered() throws Exception {
        try (RawClient client = pgmux.raw(USER)) {
            // given a COPY that failed on its first row while the client was still sending
            client.send(new Query("COPY " + TABLE + " FROM STDIN")).flush();
            assertEquals(Backend.COPY_IN_RESPONSE, client.read().type());
            client.sendMessage('d', "x\tbad\n".getBytes(StandardCharsets.UTF_8)).flush();
            List<Reply> failure = client.readUntilReady();
            assertEquals("EZ", RawClient.types(failure));
            assertEquals("22P02", failure.get(0).error().sqlState());

            // when the rest of its data, its CopyDone and a query follow in one write
            client.sendMessage('d', rows(1, 10).getBytes(StandardCharsets.UTF_8))
                    .sendMessage('c', new byte[0])
                    .send(new Query("SELECT count(*) FROM " + TABLE))
                    .flush();
            List<Reply> replies = client.readUntilReady();

            // then only the query is answered: the late COPY messages were dropped, as Postgres drops them
            assertEquals("TDCZ", RawClient.types(replies));
            assertEquals(List.of("0"), replies.get(1).row());
        }
        assertNoServerInCopy();
    }

    /*
     * libpq's PQexecParams sends Sync right after Execute, and Sync again after CopyDone. Postgres
     * ignores a Sync that arrives during COPY FROM STDIN, so the two Syncs get one ReadyForQuery.
     */
    @Test
    void extendedProtocolCopyInWithASyncAfterExecuteAsLibpqSendsItGivesTheServerBack() throws Exception {
        try (RawClient client = pgmux.raw(USER)) {
            // given a COPY FROM STDIN sent as Parse/Bind/Describe/Execute/Sync
            client.send(new Parse("", "COPY " + TABLE + " FROM STDIN", new int[0])).bind("", "")
                    .send(new Describe(Target.PORTAL, "")).send(new Execute("", 0)).sync().flush();
            assertEquals("12nG", RawClient.types(List.of(client.read(), client.read(), client.read(), client.read())));

            // when the data and CopyDone follow, with another Sync
            client.sendMessage('d', rows(1, 3).getBytes(StandardCharsets.UTF_8)).sendMessage('c', new byte[0]).sync().flush();

            // then one CommandComplete and one ReadyForQuery answer both Syncs
            List<Reply> replies = client.readUntilReady();
            assertEquals("CZ", RawClient.types(replies));
            assertEquals("COPY 3", replies.get(0).tag());
            assertEquals(TransactionStatus.IDLE, replies.get(1).status());

            // and the server goes back to the pool: the session is idle, holding nothing
            pgmux.awaitNoServerHeld(USER);
            List<Reply> next = client.query("SELECT count(*) FROM " + TABLE);
            assertEquals("TDCZ", RawClient.types(next));
            assertEquals(List.of("3"), next.get(1).row());
            pgmux.awaitNoServerHeld(USER);
        }
    }

    @Test
    void extendedProtocolCopyInFailingMidDataKeepsTheServerUntilTheClientsSync() throws Exception {
        try (RawClient client = pgmux.raw(USER)) {
            // given a libpq-style COPY whose first row is bad
            client.send(new Parse("", "COPY " + TABLE + " FROM STDIN", new int[0])).bind("", "")
                    .send(new Describe(Target.PORTAL, "")).send(new Execute("", 0)).sync().flush();
            assertEquals("12nG", RawClient.types(List.of(client.read(), client.read(), client.read(), client.read())));
            client.sendMessage('d', "x\tbad\n".getBytes(StandardCharsets.UTF_8)).flush();
            Reply error = client.read();
            assertEquals("22P02", error.error().sqlState());

            // when the client, unaware yet, ends its data with CopyDone and Sync
            assertEquals(1, pgmux.counts(USER).activeServers(), "Postgres now skips to the next Sync: the server stays");
            client.sendMessage('d', rows(1, 5).getBytes(StandardCharsets.UTF_8)).sendMessage('c', new byte[0]).sync().flush();

            // then that Sync gets the one ReadyForQuery, and the server goes back in a usable state
            List<Reply> replies = client.readUntilReady();
            assertEquals("Z", RawClient.types(replies));
            assertEquals(TransactionStatus.IDLE, replies.get(0).status());
            pgmux.awaitNoServerHeld(USER);
        }
        assertBothServersAnswer();
        assertEquals(0, intDirect("SELECT count(*) FROM " + TABLE));
    }

    @Test
    void extendedProtocolCopyInWithoutSyncBeforeTheDataGivesTheServerBack() throws Exception {
        try (RawClient client = pgmux.raw(USER)) {
            // given a COPY FROM STDIN sent as Parse/Bind/Execute/Flush, its data, CopyDone and Sync
            client.send(new Parse("", "COPY " + TABLE + " FROM STDIN", new int[0])).bind("", "")
                    .send(new Execute("", 0)).flushMessage().flush();
            assertEquals("12G", RawClient.types(List.of(client.read(), client.read(), client.read())));
            client.sendMessage('d', rows(1, 2).getBytes(StandardCharsets.UTF_8)).sendMessage('c', new byte[0]).sync().flush();

            // then
            assertEquals("CZ", RawClient.types(client.readUntilReady()));
            pgmux.awaitNoServerHeld(USER);
            assertEquals(2, intDirect("SELECT count(*) FROM " + TABLE));
        }
    }

    @Test
    void copyInsideATransactionThenRollbackLeavesNoRows() throws Exception {
        try (Connection connection = pgmux.jdbc(USER); Connection other = pgmux.jdbc(USER)) {
            // given a COPY inside an explicit transaction
            connection.setAutoCommit(false);
            long copied = copyApi(connection).copyIn("COPY " + TABLE + " FROM STDIN", new StringReader(rows(1, 1_000)));
            assertEquals(1_000, copied);
            assertEquals(1_000, intScalar(connection, "SELECT count(*) FROM " + TABLE));
            assertEquals(0, intScalar(other, "SELECT count(*) FROM " + TABLE));

            // when it is rolled back
            connection.rollback();

            // then no row stays
            assertEquals(0, intScalar(connection, "SELECT count(*) FROM " + TABLE));
            assertEquals(0, intScalar(other, "SELECT count(*) FROM " + TABLE));
        }
    }

    // ---------------------------------------------------------------- helpers

    private static CopyManager copyApi(Connection connection) throws SQLException {
        return connection.unwrap(PGConnection.class).getCopyAPI();
    }

    /** Rows {@code from..to} in COPY text format, as COPY TO prints them. */
    private static String rows(int from, int to) {
        StringBuilder rows = new StringBuilder();
        for (int i = from; i <= to; i++) {
            rows.append(i).append('\t').append("row ").append(i).append(" caf\u00e9 \\\\ back\\tslash").append('\n');
        }
        return rows.toString();
    }

    /** Two clients in a transaction each: both servers of the pool answer a query. */
    private static void assertBothServersAnswer() throws IOException {
        try (RawClient first = pgmux.raw(USER); RawClient second = pgmux.raw(USER)) {
            first.query("BEGIN");
            second.query("BEGIN");
            List<Reply> a = first.query("SELECT pg_backend_pid()");
            List<Reply> b = second.query("SELECT pg_backend_pid()");
            assertEquals("TDCZ", RawClient.types(a));
            assertEquals("TDCZ", RawClient.types(b));
            assertTrue(!a.get(1).row().equals(b.get(1).row()), "two different servers");
            first.query("COMMIT");
            second.query("COMMIT");
        }
    }

    /** No backend of this class's user is running anything (a server stuck in COPY would be 'active'). */
    private static void assertNoServerInCopy() throws SQLException {
        try (Connection direct = TestPostgres.get().connect(TestPostgres.DATABASE, TestPostgres.SUPERUSER, null);
             Statement st = direct.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FILTER (WHERE state <> 'idle'), count(*) FROM pg_stat_activity"
                     + " WHERE usename = '" + USER + "'")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "pgmux's servers not idle");
            assertTrue(rs.getInt(2) <= 2, "at most pool_size servers");
        }
    }
}
