package io.pgmux.proxy.it;

import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Execute;
import io.pgmux.protocol.message.Parse;
import io.pgmux.protocol.message.Query;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.List;

import static io.pgmux.proxy.testing.TestSql.scalar;
import static io.pgmux.proxy.testing.TestSql.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Errors end statements and transactions as they do on Postgres itself, and the pool keeps serving. */
class ErrorRecoveryIT {
    private static final String USER = "errrec_user";

    @RegisterExtension
    static final PgmuxFixture pgmux = PgmuxFixture.withConfig("pool_size: 1\nquery_wait_timeout: 10s\n")
            .role(USER)
            .sql("ALTER ROLE " + USER + " SET deadlock_timeout = '100ms'")
            .table("errrec_items", "id int PRIMARY KEY, note text")
            .table("errrec_accounts", "id int PRIMARY KEY, v int")
            .beforeEachTest("TRUNCATE errrec_items, errrec_accounts; INSERT INTO errrec_accounts VALUES (1, 0), (2, 0)");

    @Test
    void failedTransactionKeepsItsServerUntilRollbackAndLeavesNothingBehind() throws Exception {
        try (RawClient client = pgmux.raw(USER); RawClient other = pgmux.raw(USER)) {
            // given: a transaction that wrote a row, then failed
            TestSql.assertOk(client.query("BEGIN; INSERT INTO errrec_items VALUES (1, 'from the failed transaction')"));
            List<Reply> failed = client.query("SELECT 1 / 0");
            assertEquals("22012", TestSql.error(failed).sqlState());
            assertEquals(TransactionStatus.FAILED, TestSql.status(failed));
            List<Reply> ignored = client.query("SELECT 1");
            assertEquals("25P02", TestSql.error(ignored).sqlState(), "Postgres ignores commands until the transaction ends");
            assertEquals(TransactionStatus.FAILED, TestSql.status(ignored));
            // the failed transaction still holds the pool's only server: another client waits
            other.send(new Query("SELECT 'other'")).flush();
            TestSql.await("the other client waits", () -> pgmux.waitingClients() == 1);

            // when: the client rolls back
            assertEquals(TransactionStatus.IDLE, TestSql.status(client.query("ROLLBACK")));

            // then: the waiting client is served, and a new transaction sees nothing of the failed one
            assertEquals("other", value(other.readUntilReady()));
            TestSql.assertOk(client.query("BEGIN; INSERT INTO errrec_items VALUES (2, 'from the new transaction')"));
            assertEquals("2", value(client, "SELECT string_agg(id::text, ',') FROM errrec_items"));
            assertEquals(TransactionStatus.IDLE, TestSql.status(client.query("COMMIT")));
        }
        assertEquals("2", TestSql.direct("SELECT string_agg(id::text, ',') FROM errrec_items"));
    }

    @Test
    void errorOutsideATransactionReleasesTheServer() throws Exception {
        try (RawClient raw = pgmux.raw(USER); Connection jdbc = pgmux.jdbc(USER); RawClient other = pgmux.raw(USER)) {
            String pid = value(other, "SELECT pg_backend_pid()::text");
            // when: a simple query fails outside a transaction
            List<Reply> simple = raw.query("SELECT 1 / 0");
            assertEquals("22012", TestSql.error(simple).sqlState());
            assertEquals(TransactionStatus.IDLE, TestSql.status(simple));
            // then: the next client gets the same server at once
            assertEquals(pid, value(other, "SELECT pg_backend_pid()::text"));

            // when: an extended-protocol batch fails halfway (the server skips to Sync)
            raw.send(new Parse("", "SELECT 1 / g FROM generate_series(0, 0) g", new int[0])).bind("", "").send(new Execute("", 0))
                    .send(new Parse("", "SELECT 'skipped'", new int[0])).bind("", "").send(new Execute("", 0))
                    .sync().flush();
            List<Reply> batch = raw.readUntilReady();
            assertEquals("12EZ", RawClient.types(batch));
            assertEquals(TransactionStatus.IDLE, TestSql.status(batch));
            // then: the server is free again
            assertEquals(pid, value(other, "SELECT pg_backend_pid()::text"));

            // when: pgJDBC's statement fails
            SQLException error = assertThrows(SQLException.class, () -> scalar(jdbc, "SELECT 1 / 0"));
            assertEquals("22012", error.getSQLState());
            // then: likewise
            assertEquals(pid, value(other, "SELECT pg_backend_pid()::text"));
            assertEquals("ok", scalar(jdbc, "SELECT 'ok'"));
            assertEquals("ok", value(raw, "SELECT 'ok'"));
        }
    }

    @Test
    void savepointsWorkThroughPgmux() throws Exception {
        try (Connection jdbc = pgmux.jdbc(USER); Statement st = jdbc.createStatement(); RawClient raw = pgmux.raw(USER)) {
            // given: a transaction with a savepoint and a failure after it
            jdbc.setAutoCommit(false);
            st.executeUpdate("INSERT INTO errrec_items VALUES (10, 'before the savepoint')");
            Savepoint savepoint = jdbc.setSavepoint();
            SQLException duplicate = assertThrows(SQLException.class,
                    () -> st.executeUpdate("INSERT INTO errrec_items VALUES (10, 'duplicate')"));
            assertEquals("23505", duplicate.getSQLState());
            // when: it rolls back to the savepoint and goes on
            jdbc.rollback(savepoint);
            st.executeUpdate("INSERT INTO errrec_items VALUES (11, 'after the rollback to savepoint')");
            jdbc.commit();
            // then: the work before the savepoint and after the rollback is committed
            assertEquals("10,11", TestSql.direct("SELECT string_agg(id::text, ',' ORDER BY id) FROM errrec_items"));

            // and the same with plain SQL, status by status
            assertEquals(TransactionStatus.IN_TRANSACTION, TestSql.status(raw.query("BEGIN; INSERT INTO errrec_items VALUES (20, 'a')")));
            assertEquals(TransactionStatus.IN_TRANSACTION, TestSql.status(raw.query("SAVEPOINT s1")));
            assertEquals(TransactionStatus.FAILED, TestSql.status(raw.query("INSERT INTO errrec_items VALUES (20, 'again')")));
            assertEquals(TransactionStatus.IN_TRANSACTION, TestSql.status(raw.query("ROLLBACK TO SAVEPOINT s1")));
            assertEquals(TransactionStatus.IN_TRANSACTION, TestSql.status(raw.query("RELEASE SAVEPOINT s1")));
            assertEquals(TransactionStatus.IDLE, TestSql.status(raw.query("COMMIT")));
            assertEquals("10,11,20", TestSql.direct("SELECT string_agg(id::text, ',' ORDER BY id) FROM errrec_items"));
            // and the server went back to the pool
            jdbc.setAutoCommit(true);
            assertEquals("ok", scalar(jdbc, "SELECT 'ok'"));
        }
    }

    @Test
    void deadlockBetweenTwoClientsIsDetectedAndBothGoOn() throws Exception {
        try (Pgmux two = Pgmux.start("pool_size: 2\n"); RawClient a = two.raw(USER); RawClient b = two.raw(USER)) {
            // given: each client locked one row
            TestSql.assertOk(a.query("BEGIN; UPDATE errrec_accounts SET v = v + 1 WHERE id = 1"));
            TestSql.assertOk(b.query("BEGIN; UPDATE errrec_accounts SET v = v + 10 WHERE id = 2"));
            // when: each wants the other's row
            a.send(new Query("UPDATE errrec_accounts SET v = v + 1 WHERE id = 2")).flush();
            TestSql.awaitDirect("A waits for B's lock", "SELECT count(*) = 1 FROM pg_stat_activity"
                    + " WHERE usename = '" + USER + "' AND wait_event_type = 'Lock'");
            b.send(new Query("UPDATE errrec_accounts SET v = v + 10 WHERE id = 1")).flush();
            List<Reply> aReplies = a.readUntilReady();
            List<Reply> bReplies = b.readUntilReady();

            // then: Postgres picks one victim (40P01); the other's update goes through
            boolean aLost = aReplies.stream().anyMatch(r -> r.typeChar() == 'E');
            RawClient loser = aLost ? a : b;
            RawClient winner = aLost ? b : a;
            List<Reply> lost = aLost ? aReplies : bReplies;
            List<Reply> won = aLost ? bReplies : aReplies;
            ErrorResponse deadlock = TestSql.error(lost);
            assertEquals("40P01", deadlock.sqlState(), deadlock.toString());
            assertEquals(TransactionStatus.FAILED, TestSql.status(lost));
            TestSql.assertOk(won);
            assertEquals(TransactionStatus.IN_TRANSACTION, TestSql.status(won));
            // and both connections go on
            assertEquals(TransactionStatus.IDLE, TestSql.status(loser.query("ROLLBACK")));
            assertEquals(TransactionStatus.IDLE, TestSql.status(winner.query("COMMIT")));
            assertEquals("ok", value(loser, "SELECT 'ok'"));
            assertEquals("ok", value(winner, "SELECT 'ok'"));
            String expected = aLost ? "10,10" : "1,1";
            assertEquals(expected, TestSql.direct("SELECT string_agg(v::text, ',' ORDER BY id) FROM errrec_accounts"));
            assertEquals(0, TestSql.backendsInState(USER, "idle in transaction"));
        }
    }
}
