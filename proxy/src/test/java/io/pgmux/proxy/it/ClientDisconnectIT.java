package io.pgmux.proxy.it;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.Execute;
import io.pgmux.protocol.message.Parse;
import io.pgmux.protocol.message.Query;
import io.pgmux.proxy.pool.Pool;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.pgmux.proxy.testing.TestSql.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * A client that dies (its socket closed without a Terminate) leaves nothing behind for the next
 * client of its pool: no open transaction, no lock, no running query, no session state.
 */
class ClientDisconnectIT {
    private static final String USER = "disconnect_user";

    @RegisterExtension
    static final PgmuxFixture pgmux = PgmuxFixture.withConfig("pool_size: 1\nquery_wait_timeout: 30s\n")
            .role(USER)
            .table("disconnect_lock", "id int PRIMARY KEY, v int")
            .table("disconnect_copy", "v int")
            .beforeEachTest("TRUNCATE disconnect_lock, disconnect_copy; INSERT INTO disconnect_lock VALUES (1, 0)");

    /** Whatever a dead client did, the pool of one ends with one server: none leaked, no slot lost. */
    @AfterEach
    void thePoolHasOneServer() throws Exception {
        assertEquals(1, Pgmux.serverConnections(TestPostgres.DATABASE, USER));
    }

    /*
     * Found by the fuzzer: a client that stops reading has its server's reading paused (backpressure).
     * If it then dies idle in a transaction, pgmux rolls the transaction back itself, and the reply
     * to that ROLLBACK must still be read: it was not, and the server stayed "active" for nobody, its
     * pool slot lost for good.
     */
    @Test
    void clientKilledInATransactionWhileNotReadingStillGivesItsServerBack() throws Exception {
        for (int round = 0; round < 3; round++) {
            // given: a client with a tiny receive window, in a transaction, whose last reply it does not read
            RawClient dead = RawClient.open(pgmux.host(), pgmux.port(), 4096).login(TestPostgres.DATABASE, USER, java.util.Map.of());
            TestSql.assertOk(dead.query("BEGIN"));
            TestSql.assertOk(dead.query("UPDATE disconnect_lock SET v = 7 WHERE id = 1"));
            dead.send(new Query("SELECT repeat('x', 400000)")).flush();
            TestSql.await("the query is answered in full, to pgmux", () -> TestSql.backendsInState(USER, "idle in transaction") == 1);

            // when: it dies without reading
            dead.kill();

            // then: the transaction is rolled back and the server's slot is free again: the server is back in
            // the pool, or, when pgmux had not yet read the whole reply off it at the kill (a busy machine),
            // closed (a server in the middle of a reply is not reused)
            Pool pool = pgmux.server().pools().pool(TestPostgres.DATABASE, USER).orElseThrow();
            TestSql.await("the server is back or closed", () -> pool.counts().activeServers() == 0
                    && pool.counts().closingServers() == 0 && pool.counts().idleServers() <= 1);
            try (RawClient next = pgmux.raw(USER)) {
                assertEquals("0", value(next, "SELECT v::text FROM disconnect_lock WHERE id = 1"));
            }
        }
    }

    @Test
    void clientKilledIdleInATransactionLeavesNoTransactionOrLockBehind() throws Exception {
        // given: a client idle in a transaction that holds a row lock and made a temp table
        RawClient dead = pgmux.raw(USER);
        TestSql.assertOk(dead.query("BEGIN"));
        TestSql.assertOk(dead.query("SELECT v FROM disconnect_lock WHERE id = 1 FOR UPDATE"));
        TestSql.assertOk(dead.query("UPDATE disconnect_lock SET v = 99 WHERE id = 1"));
        List<Reply> lastReplies = dead.query("CREATE TEMP TABLE disconnect_dead_temp (x int)");
        assertEquals(TransactionStatus.IN_TRANSACTION, TestSql.status(lastReplies));
        String deadPid = value(dead, "SELECT pg_backend_pid()::text");
        assertEquals(1, TestSql.backendsInState(USER, "idle in transaction"));

        // when: it dies without a Terminate
        dead.kill();

        // then: the next client of the pool gets the server, outside any transaction, and can take the lock
        try (RawClient next = pgmux.raw(USER)) {
            List<Reply> locked = next.query("SELECT v, pg_backend_pid()::text FROM disconnect_lock WHERE id = 1 FOR UPDATE NOWAIT");
            assertEquals(List.of("0", deadPid), TestSql.row(locked), "the dead client's update is rolled back; the server reused");
            assertEquals(TransactionStatus.IDLE, TestSql.status(locked));
            assertEquals("0", value(next, "SELECT count(*) FROM pg_class WHERE relname = 'disconnect_dead_temp'"),
                    "the dead client's temp table is gone");
            assertEquals(0, TestSql.backendsInState(USER, "idle in transaction"));
            assertEquals(0, TestSql.backendsInState(USER, "idle in transaction (aborted)"));
        }
    }

    @Test
    void clientKilledDuringARunningQueryHasItCancelledAndItsServerReplaced() throws Exception {
        // given: a client running a long query in a transaction with a temp table
        RawClient dead = pgmux.raw(USER);
        String deadPid = begin(dead, "BEGIN; CREATE TEMP TABLE disconnect_sleep_temp (x int)");
        dead.send(new Query("SELECT pg_sleep(60)")).flush();
        TestSql.awaitDirect("the query runs", "SELECT state = 'active' FROM pg_stat_activity WHERE pid = " + deadPid);

        // when: it dies
        dead.kill();

        // then: the query is stopped and its server goes away, long before the sleep would end
        TestSql.awaitBackendGone("the backend is gone", deadPid);
        // and the next client gets a new server with none of the dead client's state
        try (RawClient next = pgmux.raw(USER)) {
            List<Reply> replies = next.query("SELECT pg_backend_pid()::text");
            assertNotEquals(deadPid, value(replies));
            assertEquals(TransactionStatus.IDLE, TestSql.status(replies));
            assertEquals("0", value(next, "SELECT count(*) FROM pg_class WHERE relname = 'disconnect_sleep_temp'"));
        }
    }

    @Test
    void clientKilledInTheMiddleOfCopyFromStdinLeavesNoRows() throws Exception {
        // given: a client in the middle of a COPY FROM STDIN, some rows sent
        RawClient dead = pgmux.raw(USER);
        String deadPid = begin(dead, "BEGIN");
        dead.send(new Query("COPY disconnect_copy FROM STDIN")).flush();
        assertEquals(Backend.COPY_IN_RESPONSE, dead.read().type());
        dead.sendRaw(copyData("1\n2\n")).sendRaw(copyData("3\n")).flush();
        TestSql.awaitDirect("the COPY runs", "SELECT query LIKE 'COPY%' FROM pg_stat_activity WHERE pid = " + deadPid);

        // when: it dies before CopyDone
        dead.kill();

        // then: the server is closed, the COPY aborted, and the next client starts clean
        TestSql.awaitBackendGone("the backend is gone", deadPid);
        try (RawClient next = pgmux.raw(USER)) {
            List<Reply> replies = next.query("SELECT count(*) FROM disconnect_copy");
            assertEquals("0", value(replies));
            assertEquals(TransactionStatus.IDLE, TestSql.status(replies));
        }
    }

    @Test
    void clientKilledWhileWaitingForAServerDoesNotDisturbThePool() throws Exception {
        try (RawClient holder = pgmux.raw(USER); RawClient patient = pgmux.raw(USER)) {
            // given: one client holds the only server in a transaction, two more wait for it
            String holderPid = begin(holder, "BEGIN");
            RawClient dead = pgmux.raw(USER);
            dead.send(new Query("SELECT 'dead'")).flush();
            TestSql.await("one client waits", () -> pgmux.waitingClients() == 1);
            patient.send(new Query("SELECT 'patient', pg_backend_pid()::text")).flush();
            TestSql.await("two clients wait", () -> pgmux.waitingClients() == 2);

            // when: the first in the queue dies
            dead.kill();
            TestSql.await("the dead client left the queue", () -> pgmux.waitingClients() == 1);

            // then: the holder goes on, and when it commits the server goes to the next waiter
            assertEquals("h", value(holder, "SELECT 'h'"));
            TestSql.assertOk(holder.query("COMMIT"));
            List<Reply> replies = patient.readUntilReady();
            assertEquals(List.of("patient", holderPid), TestSql.row(replies));
            assertEquals(TransactionStatus.IDLE, TestSql.status(replies));
            assertEquals("h", value(holder, "SELECT 'h'"));
            assertEquals(0, pgmux.waitingClients());
        }
    }

    @Test
    void clientKilledBetweenTransactionsChangesNothing() throws Exception {
        // given: a client that ran a transaction and holds no server
        int sessionsBefore = pgmux.server().sessions().connectedCount();
        RawClient dead = pgmux.raw(USER);
        String pid = value(dead, "SELECT pg_backend_pid()::text");

        // when: it dies
        dead.kill();
        TestSql.await("pgmux noticed", () -> pgmux.server().sessions().connectedCount() == sessionsBefore);

        // then: the same server serves the next client as if nothing happened
        try (RawClient next = pgmux.raw(USER)) {
            List<Reply> replies = next.query("SELECT pg_backend_pid()::text");
            assertEquals(pid, value(replies));
            assertEquals(TransactionStatus.IDLE, TestSql.status(replies));
        }
    }

    @Test
    void preparedStatementsOfAClientKilledInATransactionAreNotVisibleToTheNextClient() throws Exception {
        // given: a client in a transaction that prepared statements both ways
        RawClient dead = pgmux.raw(USER);
        TestSql.assertOk(dead.query("BEGIN; PREPARE disconnect_plan AS SELECT 'leaked'"));
        dead.send(new Parse("disconnect_stmt", "SELECT 'leaked'", new int[0])).sync().flush();
        assertEquals(TransactionStatus.IN_TRANSACTION, TestSql.status(dead.readUntilReady()));

        // when: it dies
        dead.kill();

        // then: the next client on the same server finds neither
        try (RawClient next = pgmux.raw(USER)) {
            assertEquals("26000", TestSql.error(next.query("EXECUTE disconnect_plan")).sqlState());
            next.bind("", "disconnect_stmt").send(new Execute("", 0)).sync().flush();
            assertEquals("26000", TestSql.error(next.readUntilReady()).sqlState());
        }
    }

    private static byte[] copyData(String rows) {
        byte[] data = rows.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(Frontend.COPY_DATA);
        frame.writeBytes(ByteBuffer.allocate(4).putInt(4 + data.length).array());
        frame.writeBytes(data);
        return frame.toByteArray();
    }

    /** Runs {@code begin} (a BEGIN, and maybe more), which must succeed; returns the pid of the server the client now holds. */
    private static String begin(RawClient client, String begin) throws IOException {
        TestSql.assertOk(client.query(begin));
        return value(client, "SELECT pg_backend_pid()::text");
    }
}
