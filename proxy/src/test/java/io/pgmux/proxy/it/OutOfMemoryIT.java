package io.pgmux.proxy.it;

import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Query;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.PgmuxProcess;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The jar as a supervisor runs it: an OutOfMemoryError must end the process (so that it is
 * restarted) rather than leave it half-working, which takes {@code -XX:+ExitOnOutOfMemoryError} on
 * the java command line. pgmux warns at start when the option is missing.
 *
 * <p>Not tested here: a heap OutOfMemoryError in the child, which a client cannot provoke without a
 * test-only hook; it ends a JVM started with the option (status 3). What a client can provoke (a
 * message near max_message_size against little memory) is a shortage of <em>direct</em> memory,
 * which the JDK reports from Java code and the option does not cover: that costs the client its
 * connection (FATAL 53200) and nothing else.
 */
class OutOfMemoryIT {
    private static final String OPTION = "-XX:+ExitOnOutOfMemoryError";

    /** Only the role: each test starts pgmux from the jar, as a process of its own. */
    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().role("oom_user");

    @TempDir
    Path dir;

    @Test
    void startedWithoutTheOptionPgmuxWarnsOnceNamingIt() throws Exception {
        PgmuxProcess pgmux = PgmuxProcess.start(dir, List.of());
        try {
            pgmux.awaitListeningPort();

            List<String> warnings = pgmux.lines().stream().filter(line -> line.contains(OPTION)).toList();
            assertEquals(1, warnings.size(), pgmux::text);
            assertTrue(warnings.get(0).contains("WARN"), pgmux::text);
        } finally {
            pgmux.stop();
        }
    }

    @Test
    void startedWithTheOptionPgmuxDoesNotWarn() throws Exception {
        PgmuxProcess pgmux = PgmuxProcess.start(dir, List.of(OPTION));
        try {
            pgmux.awaitListeningPort();

            assertEquals(List.of(), pgmux.lines().stream().filter(line -> line.contains("ExitOnOutOfMemoryError")).toList());
        } finally {
            pgmux.stop();
        }
    }

    @Test
    void aClientWhoseMessageCannotGetDirectMemoryIsToldSoAndOthersGoOn() throws Exception {
        PgmuxProcess pgmux = PgmuxProcess.start(dir, List.of(OPTION, "-XX:MaxDirectMemorySize=24m"), "max_message_size: 64MB\n");
        try {
            int port = pgmux.awaitListeningPort();
            try (RawClient bystander = RawClient.connect("127.0.0.1", port, TestPostgres.DATABASE, "oom_user");
                 RawClient big = RawClient.connect("127.0.0.1", port, TestPostgres.DATABASE, "oom_user")) {
                // a 48 MB Parse (read whole, unlike a Query), within max_message_size but over what direct memory can hold
                byte[] text = ("\0SELECT '" + "x".repeat(48 << 20) + "'").getBytes(StandardCharsets.US_ASCII);
                big.sendMessage('P', Arrays.copyOf(text, text.length + 3)); // the text's NUL, and no parameter types
                try {
                    big.flush();
                } catch (IOException closedWhileSending) {
                    // pgmux may close before it has read everything; the error was sent first
                }

                assertOnlyTheClientPays(pgmux, big, bystander, "out of memory for this client's data");
            }
        } finally {
            pgmux.stop();
        }
    }

    @Test
    void aServerReplyThatCannotGetDirectMemoryIsReportedAsPgmuxsOwnShortageAndOthersGoOn() throws Exception {
        PgmuxProcess pgmux = PgmuxProcess.start(dir, List.of(OPTION, "-XX:MaxDirectMemorySize=24m"));
        try {
            int port = pgmux.awaitListeningPort();
            try (RawClient bystander = RawClient.connect("127.0.0.1", port, TestPostgres.DATABASE, "oom_user");
                 RawClient big = RawClient.connect("127.0.0.1", port, TestPostgres.DATABASE, "oom_user")) {
                // a 48 MB notice: not a row, so read whole, and over what direct memory can hold
                big.send(new Query("DO $$BEGIN RAISE NOTICE '%', repeat('n', 48 * 1024 * 1024); END$$")).flush();

                assertOnlyTheClientPays(pgmux, big, bystander, "out of memory for the replies of server");
            }
        } finally {
            pgmux.stop();
        }
    }

    /**
     * The client whose data could not get memory is told that pgmux ran out (FATAL 53200, not that
     * its server went away) and closed; the client beside it goes on, the process too, and one log
     * line says why.
     */
    private static void assertOnlyTheClientPays(PgmuxProcess pgmux, RawClient big, RawClient bystander, String logLine)
            throws IOException {
        ErrorResponse error = big.read().error();
        assertEquals("FATAL", error.severity(), error::toString);
        assertEquals(SqlState.OUT_OF_MEMORY, error.sqlState(), error::toString);
        assertTrue(error.message().startsWith("out of memory: pgmux"), error::toString);
        assertTrue(big.isClosedByPeer());
        assertEquals("TDCZ", RawClient.types(bystander.query("SELECT 'still here'")));
        assertTrue(pgmux.process().isAlive(), "a direct-memory shortage costs the client, not the process");
        assertEquals(1, pgmux.lines().stream().filter(line -> line.contains(logLine)).count(), pgmux::text);
        assertEquals(List.of(), pgmux.lines().stream().filter(line -> line.contains("ERROR") || line.startsWith("\tat ")).toList());
    }
}
