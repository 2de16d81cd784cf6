package io.pgmux.proxy.it;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.testing.Console;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replication connections through pgmux, as PgBouncer 1.23+ takes them: a startup packet with
 * {@code replication=true|database} gets a server of its own for its whole session, opened with the
 * client's startup parameters, and the bytes pass through both ways. The real tools run against
 * pgmux: pg_basebackup, pg_receivewal, pg_recvlogical; the server counts against pool_size and
 * closes with its client.
 */
class ReplicationIT {
    private static final String UNPRIVILEGED = "repl_unprivileged";
    private static final String SUPERUSER = TestPostgres.SUPERUSER;
    private static final String DATABASE = TestPostgres.DATABASE;

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().role(UNPRIVILEGED)
            .table("repl_events", "id int");

    @Test
    void aLogicalReplicationConnectionRunsReplicationCommandsAndSqlWithTheClientsStartupParameters() throws Exception {
        try (Pgmux pgmux = Pgmux.start("");
             RawClient client = pgmux.raw(SUPERUSER, Map.of("replication", "database", "application_name", "abc",
                     "options", "-c enable_seqscan=off"))) {
            List<String> identify = TestSql.row(client.query("IDENTIFY_SYSTEM"));
            String systemId = TestSql.direct("SELECT system_identifier::text FROM pg_control_system()");

            assertEquals(systemId, identify.get(0));
            assertEquals(DATABASE, identify.get(3));
            assertEquals("abc", TestSql.value(client, "SHOW application_name"));
            assertEquals("off", TestSql.value(client, "SHOW enable_seqscan"));
            assertEquals(1, walSenders(), "the client's own server is a walsender on Postgres");
        }
    }

    @Test
    void aPhysicalReplicationConnectionGetsItsOwnWalSenderAndItClosesWithTheClient() throws Exception {
        try (Pgmux pgmux = Pgmux.start("")) {
            try (RawClient client = pgmux.raw(SUPERUSER, Map.of("replication", "yes"))) {
                List<String> identify = TestSql.row(client.query("IDENTIFY_SYSTEM"));
                ErrorResponse sql = firstError(client.query("SELECT 1"));

                assertEquals(4, identify.size());
                assertEquals("0A000", sql.sqlState(), "a physical walsender runs no SQL: " + sql.message());
                assertEquals(1, walSenders());
            }
            awaitWalSenders(0);
            try (Connection normal = pgmux.jdbc(SUPERUSER)) {
                assertEquals("1", TestSql.scalar(normal, "SELECT 1"), "a normal client of the same pool is served as before");
            }
        }
    }

    @Test
    void pgBasebackupCopiesTheClusterThroughPgmux(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("backup");
        try (Pgmux pgmux = Pgmux.start("pool_size: 2\n")) {
            ProcessResult result = run(List.of(tool("pg_basebackup"), "-h", pgmux.host(), "-p", Integer.toString(pgmux.port()),
                    "-U", SUPERUSER, "-D", target.toString(), "-X", "stream", "--checkpoint=fast", "--no-sync"), 120);

            assertEquals(0, result.exitCode(), result.output());
            assertTrue(Files.isRegularFile(target.resolve("PG_VERSION")), result.output());
            assertTrue(Files.isRegularFile(target.resolve("backup_manifest")), result.output());
            ProcessResult verify = run(List.of(tool("pg_verifybackup"), "-n", target.toString()), 120);
            assertEquals(0, verify.exitCode(), "the copy is whole: " + verify.output());
        }
        awaitWalSenders(0);
    }

    @Test
    void pgReceivewalStreamsWalSegmentsThroughPgmux(@TempDir Path dir) throws Exception {
        String slot = "repl_it_receivewal";
        TestSql.direct("SELECT count(pg_drop_replication_slot(slot_name)) FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
        TestSql.direct("SELECT pg_create_physical_replication_slot('" + slot + "', true)");
        try (Pgmux pgmux = Pgmux.start("")) {
            Process receiver = new ProcessBuilder(tool("pg_receivewal"), "-h", pgmux.host(), "-p", Integer.toString(pgmux.port()),
                    "-U", SUPERUSER, "--slot=" + slot, "-D", dir.toString(), "--no-sync").redirectErrorStream(true)
                    .redirectOutput(dir.resolve("receivewal.log").toFile()).start();
            try {
                awaitWalSenders(1);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (completeSegments(dir).isEmpty() && System.nanoTime() < deadline) {
                    TestSql.direct("WITH i AS (INSERT INTO repl_events SELECT generate_series(1, 100) RETURNING 1) SELECT pg_switch_wal()");
                    Thread.sleep(300);
                }
                assertTrue(!completeSegments(dir).isEmpty(), "a whole WAL segment arrived through pgmux: "
                        + Files.readString(dir.resolve("receivewal.log")));
            } finally {
                new ProcessBuilder("kill", "-INT", Long.toString(receiver.pid())).start().waitFor();
                assertTrue(receiver.waitFor(30, TimeUnit.SECONDS));
            }
            assertEquals(0, receiver.exitValue(), Files.readString(dir.resolve("receivewal.log")));
            awaitWalSenders(0);
        } finally {
            TestSql.direct("SELECT pg_drop_replication_slot('" + slot + "')");
        }
    }

    @Test
    void pgRecvlogicalReceivesDecodedChangesThroughPgmux() throws Exception {
        String slot = "repl_it_recvlogical";
        TestSql.direct("SELECT count(pg_drop_replication_slot(slot_name)) FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
        TestSql.direct("SELECT pg_create_logical_replication_slot('" + slot + "', 'test_decoding')");
        try (Pgmux pgmux = Pgmux.start("")) {
            Process receiver = new ProcessBuilder(tool("pg_recvlogical"), "-h", pgmux.host(), "-p", Integer.toString(pgmux.port()),
                    "-U", SUPERUSER, "-d", DATABASE, "--slot=" + slot, "--start", "--no-loop", "-f", "-")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(receiver.getInputStream(), StandardCharsets.UTF_8))) {
                TestSql.direct("WITH i AS (INSERT INTO repl_events VALUES (4242) RETURNING 1) SELECT count(*) FROM i");

                assertTrue(out.readLine().startsWith("BEGIN "));
                assertEquals("table public.repl_events: INSERT: id[integer]:4242", out.readLine());
                assertTrue(out.readLine().startsWith("COMMIT "));
            } finally {
                receiver.destroy();
                receiver.waitFor(30, TimeUnit.SECONDS);
            }
            awaitWalSenders(0);
        } finally {
            TestSql.direct("SELECT pg_drop_replication_slot('" + slot + "')");
        }
    }

    @Test
    void replicationConnectionsCountAgainstPoolSizeAndWaitForARoom() throws Exception {
        try (Pgmux pgmux = Pgmux.start("pool_size: 1\nadmin_users: [repl_admin]\n");
             RawClient first = pgmux.raw(SUPERUSER, Map.of("replication", "database"));
             RawClient console = pgmux.console("repl_admin")) {
            RawClient second = RawClient.open(pgmux.host(), pgmux.port());
            second.send(new io.pgmux.protocol.message.StartupMessage(io.pgmux.protocol.Frontend.PROTOCOL_3_0,
                    Map.of("user", SUPERUSER, "database", DATABASE, "replication", "database"))).flush();
            awaitWaiting(pgmux, 1);
            assertEquals(1, walSenders(), "the second waits: pool_size 1 is held by the first");

            // the console shows them as PgBouncer does: the replication column, the first active with its server, the second waiting
            Console.Result clients = Console.show(console, "SHOW CLIENTS");
            Map<String, String> active = clients.one("port", Integer.toString(first.localPort()));
            Map<String, String> server = Console.show(console, "SHOW SERVERS").one("database", DATABASE);
            TestSql.assertValues(active, "replication", "logical", "state", "active", "link", server.get("ptr"));
            TestSql.assertValues(server, "replication", "logical", "state", "active", "link", active.get("ptr"));
            TestSql.assertValues(clients.one("state", "waiting"), "replication", "logical");
            TestSql.assertValues(Console.show(console, "SHOW POOLS").one("database", DATABASE), "cl_waiting", "1", "sv_active", "1");

            first.close();
            second.readUntilReady();

            assertEquals(0, pgmux.counts(SUPERUSER).waiting());
            assertEquals(4, TestSql.row(second.query("IDENTIFY_SYSTEM")).size());
            second.close();
        }
    }

    @Test
    void aReplicationClientClosesAnIdleServerWhenThePoolIsFull() throws Exception {
        try (Pgmux pgmux = Pgmux.start("pool_size: 1\n");
             Connection normal = pgmux.jdbc(SUPERUSER)) {
            assertEquals("1", TestSql.scalar(normal, "SELECT 1"));
            pgmux.awaitNoServerHeld(SUPERUSER);
            assertEquals(1, pgmux.counts(SUPERUSER).idleServers());

            try (RawClient replication = pgmux.raw(SUPERUSER, Map.of("replication", "database"))) {
                assertEquals(4, TestSql.row(replication.query("IDENTIFY_SYSTEM")).size());
                assertEquals(0, pgmux.counts(SUPERUSER).idleServers(), "the idle server made room");
            }
            awaitWalSenders(0);
            assertEquals("1", TestSql.scalar(normal, "SELECT 1"), "the normal client gets a new server");
        }
    }

    @Test
    void aRoleWithoutReplicationIsToldPostgresRefusalAndTheSameUsersPoolGoesOn() throws Exception {
        try (Pgmux pgmux = Pgmux.start("");
             RawClient client = RawClient.open(pgmux.host(), pgmux.port())) {
            client.send(new io.pgmux.protocol.message.StartupMessage(io.pgmux.protocol.Frontend.PROTOCOL_3_0,
                    Map.of("user", UNPRIVILEGED, "database", DATABASE, "replication", "database"))).flush();
            ErrorResponse error = TestSql.nextError(client);

            assertEquals("FATAL", error.severity());
            assertEquals("42501", error.sqlState(), error.message());
            assertTrue(error.message().startsWith("replication server login failed: "), error.message());
            try (Connection normal = pgmux.jdbc(UNPRIVILEGED)) {
                assertEquals(UNPRIVILEGED, TestSql.scalar(normal, "SELECT current_user"));
            }
        }
    }

    @Test
    void aClientThatStopsReadingABaseBackupHoldsTheWalSenderBackInsteadOfFillingPgmux() throws Exception {
        try (Pgmux pgmux = Pgmux.start("");
             RawClient client = RawClient.open(pgmux.host(), pgmux.port(), 16 * 1024)
                     .login(DATABASE, SUPERUSER, Map.of("replication", "true"))) {
            // the whole cluster (tens of MB) is asked for, and nothing of it is read
            client.send(new io.pgmux.protocol.message.Query("BASE_BACKUP (CHECKPOINT 'fast')")).flush();

            String blocked = "SELECT coalesce(bool_or(wait_event IN ('ClientWrite', 'WalSenderWriteData')), false) FROM pg_stat_activity"
                    + " WHERE backend_type = 'walsender'";
            TestSql.awaitDirect("the walsender waits for pgmux to take its data", blocked);
            for (int i = 0; i < 5; i++) {
                Thread.sleep(300);
                assertEquals("t", TestSql.direct(blocked), "pgmux stopped reading the server while its client does not read");
            }
            assertEquals(1, walSenders(), "the backup has not finished");
        }
        awaitWalSenders(0);
    }

    @Test
    void clientsThatLeaveWhileTheirServerIsOpeningLeaveNoServerBehind() throws Exception {
        try (Pgmux pgmux = Pgmux.start("pool_size: 2\n")) {
            // given replication clients that leave at once, whatever point their own server has reached
            for (int i = 0; i < 20; i++) {
                RawClient client = RawClient.open(pgmux.host(), pgmux.port());
                client.send(new io.pgmux.protocol.message.StartupMessage(io.pgmux.protocol.Frontend.PROTOCOL_3_0,
                        Map.of("user", SUPERUSER, "database", DATABASE, "replication", i % 2 == 0 ? "database" : "true"))).flush();
                if (i % 4 == 0) {
                    client.readUntilReady(); // some after their welcome
                }
                client.close();
            }

            // then every server they caused is closed, and the pool still serves a replication client
            awaitWalSenders(0);
            TestSql.await(() -> "no server left: " + pgmux.counts(SUPERUSER), () -> pgmux.counts(SUPERUSER).servers() == 0);
            try (RawClient client = pgmux.raw(SUPERUSER, Map.of("replication", "database"))) {
                assertEquals(4, TestSql.row(client.query("IDENTIFY_SYSTEM")).size());
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private static int walSenders() throws Exception {
        return TestSql.intDirect("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'walsender'");
    }

    private static void awaitWalSenders(int expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (walSenders() != expected && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(expected, walSenders(), "walsenders on Postgres");
    }

    private static void awaitWaiting(Pgmux pgmux, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pgmux.counts(SUPERUSER).waiting() != expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(expected, pgmux.counts(SUPERUSER).waiting(), "replication clients waiting");
    }

    private static ErrorResponse firstError(List<RawClient.Reply> replies) {
        return replies.stream().filter(r -> r.type() == Backend.ERROR_RESPONSE).findFirst().map(RawClient.Reply::error)
                .orElseThrow(() -> new AssertionError("no error in " + RawClient.types(replies)));
    }

    private static List<Path> completeSegments(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().matches("[0-9A-F]{24}")).toList();
        }
    }

    private static String tool(String name) {
        return TestPostgres.get().binDir().resolve(name).toString();
    }

    private record ProcessResult(int exitCode, String output) {}

    private static ProcessResult run(List<String> command, int timeoutSeconds) throws Exception {
        Process process = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(timeoutSeconds, TimeUnit.SECONDS), output);
        return new ProcessResult(process.exitValue(), output);
    }
}
