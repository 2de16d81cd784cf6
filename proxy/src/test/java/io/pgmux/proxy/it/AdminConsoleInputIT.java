package io.pgmux.proxy.it;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.testing.Console;
import io.pgmux.proxy.testing.LogCapture;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Console commands that name something that does not exist fail, as PgBouncer's do, and change
 * nothing; text a console user sends comes back in errors and logs cut short.
 */
class AdminConsoleInputIT {
    private static final String ADMIN = "input_admin";
    private static final String USER = "input_user";

    // upstream is set (by the test base config): any database name would be routed
    @RegisterExtension
    static final PgmuxFixture pgmux = PgmuxFixture.withConfig("admin_users: [" + ADMIN + "]\n")
            .role(USER);

    @ParameterizedTest
    @ValueSource(strings = {"KILL", "PAUSE", "RESUME", "RECONNECT", "WAIT_CLOSE", "DISABLE", "ENABLE"})
    void aCommandOnAnUnknownDatabaseFailsAndChangesNothing(String verb) throws IOException {
        try (RawClient client = pgmux.raw(USER); RawClient console = pgmux.console(ADMIN)) {
            // when
            ErrorResponse error = Console.show(console, verb + " nosuchdb").error();

            // then
            assertNotNull(error, verb + " nosuchdb must fail");
            assertEquals(ErrorResponse.ERROR, error.severity());
            assertEquals(SqlState.PROTOCOL_VIOLATION, error.sqlState()); // PgBouncer's, which its tests match
            assertEquals("no such database: nosuchdb", error.message());
            assertEquals(List.of(), Console.show(console, "SHOW DATABASES").where("name", "nosuchdb"));
            assertEquals(List.of(), Console.show(console, "SHOW POOLS").where("database", "nosuchdb"));
            // and the console and a client go on
            assertNull(Console.show(console, "SHOW VERSION").error());
            assertEquals("1", TestSql.value(client, "SELECT 1"));
        }
    }

    @Test
    void aCommandOnADatabaseInUseThroughUpstreamWorks() throws IOException {
        try (RawClient client = pgmux.raw(USER); RawClient console = pgmux.console(ADMIN)) {
            assertEquals("RECONNECT", Console.show(console, "RECONNECT " + TestPostgres.DATABASE).tag());
            assertEquals("PAUSE", Console.show(console, "PAUSE " + TestPostgres.DATABASE).tag());
            assertEquals("RESUME", Console.show(console, "RESUME " + TestPostgres.DATABASE).tag());
            assertEquals("2", TestSql.value(client, "SELECT 2"));
        }
    }

    @Test
    void killClientOfAnUnknownIdFails() throws IOException {
        try (RawClient console = pgmux.console(ADMIN)) {
            ErrorResponse error = Console.show(console, "KILL_CLIENT 999999999").error();

            assertEquals(SqlState.PROTOCOL_VIOLATION, error.sqlState()); // PgBouncer's, which its tests match
            assertEquals("client not found: 999999999", error.message());
        }
    }

    @Test
    void killClientOfANonNumericIdFails() throws IOException {
        try (RawClient console = pgmux.console(ADMIN)) {
            ErrorResponse error = Console.show(console, "KILL_CLIENT not_an_id").error();

            assertEquals(SqlState.PROTOCOL_VIOLATION, error.sqlState());
            assertTrue(error.message().startsWith("invalid client pointer supplied"), error::toString);
        }
    }

    @Test
    void aMegabyteCommandIsNotEchoedInFullNorLoggedInFull() throws IOException {
        String filler = "x".repeat(1 << 20);
        try (LogCapture log = LogCapture.start(); RawClient console = pgmux.console(ADMIN)) {
            // when: a 1 MB SHOW, a 1 MB quoted database name, a 1 MB SELECT
            ErrorResponse show = Console.show(console, "SHOW " + filler).error();
            ErrorResponse kill = Console.show(console, "KILL \"" + filler + "\"").error();
            ErrorResponse select = Console.show(console, "SELECT '" + filler + "'").error();

            // then: each is refused with the start of the text and its length
            assertEquals(SqlState.SYNTAX_ERROR, show.sqlState());
            assertTrue(show.message().startsWith("invalid command 'SHOW xxxx"), show::message);
            assertTrue(show.message().endsWith("... (1048581 characters)', use SHOW HELP;"), show::message);
            assertTrue(show.message().length() < 300, () -> show.message().length() + " characters");
            assertTrue(kill.message().startsWith("invalid command 'KILL \"xxxx"), kill::message);
            assertTrue(kill.message().length() < 300, () -> kill.message().length() + " characters");
            assertTrue(select.message().length() < 300, () -> select.message().length() + " characters");
            // and the console goes on
            assertNull(Console.show(console, "SHOW VERSION").error());
            // and the log has each refusal in a short line
            List<ILoggingEvent> refusals = log.containing("invalid command");
            assertEquals(3, refusals.size(), refusals::toString);
            for (ILoggingEvent event : log.events()) {
                assertTrue(event.getFormattedMessage().length() < 1000, () -> "a long log line: "
                        + event.getFormattedMessage().substring(0, 200));
                assertNull(event.getThrowableProxy(), event::getFormattedMessage);
            }
        }
    }

    @Test
    void aLongButValidlyQuotedUnknownDatabaseNameIsCutInTheError() throws IOException {
        String name = "n".repeat(900); // within the console's 1024 characters for a command
        try (RawClient console = pgmux.console(ADMIN)) {
            ErrorResponse error = Console.show(console, "PAUSE \"" + name + "\"").error();

            assertEquals(SqlState.PROTOCOL_VIOLATION, error.sqlState());
            assertEquals("no such database: " + "n".repeat(80) + "... (900 characters)", error.message());
        }
    }
}
