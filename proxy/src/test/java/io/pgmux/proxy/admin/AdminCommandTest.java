package io.pgmux.proxy.admin;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Console commands are read as PgBouncer reads them: a word, at most one argument, an optional semicolon. */
class AdminCommandTest {

    @Test
    void aCommandWithoutArgument() {
        assertEquals(Optional.of(new AdminCommand("show", "POOLS", null)), AdminCommand.parse("SHOW POOLS"));
        assertEquals(Optional.of(new AdminCommand("reload", null, null)), AdminCommand.parse("reload;"));
    }

    @Test
    void whitespaceAndTheSemicolonAreOptional() {
        assertEquals(Optional.of(new AdminCommand("pause", "app", null)), AdminCommand.parse("  pause\tapp ;  \n"));
    }

    @Test
    void theVerbIsCaseInsensitiveAndTheArgumentKeepsItsCase() {
        AdminCommand command = AdminCommand.parse("Kill_Client 42").orElseThrow();
        assertEquals("kill_client", command.verb());
        assertEquals("42", command.argument());
        assertEquals("pools", AdminCommand.parse("show POOLS").orElseThrow().subject());
        assertEquals("MyDb", AdminCommand.parse("RESUME MyDb").orElseThrow().argument());
    }

    @Test
    void aQuotedArgumentMayHoldAnyCharacterAndDoubledQuotes() {
        assertEquals("my-db \"x\"", AdminCommand.parse("PAUSE \"my-db \"\"x\"\"\"").orElseThrow().argument());
    }

    @Test
    void aLongQuotedNameNeedsLittleStack() throws InterruptedException {
        String plain = "n".repeat(100_000);
        String quotes = "\"\"".repeat(AdminConsole.MAX_COMMAND_CHARS / 2);
        AtomicReference<Object> outcome = new AtomicReference<>();
        // an event loop's stack is the JVM's default (1 MB on 64-bit Linux); half of it is enough
        Thread small = new Thread(null, () -> {
            try {
                outcome.set(List.of(AdminCommand.parse("KILL \"" + plain + "\"").orElseThrow().argument().length(),
                        AdminCommand.parse("KILL \"" + quotes + "\"").orElseThrow().argument().length(),
                        AdminCommand.parse("SET a = '" + plain + "'").orElseThrow().value().length()));
            } catch (Throwable t) {
                outcome.set(t);
            }
        }, "small-stack", 512 * 1024);
        small.start();
        small.join(10_000);

        assertEquals(List.of(100_000, AdminConsole.MAX_COMMAND_CHARS / 2, 100_000), outcome.get());
    }

    @Test
    void setTakesAWordOrAQuotedString() {
        assertEquals(Optional.of(new AdminCommand("set", "client_encoding", "UTF8")),
                AdminCommand.parse("SET client_encoding = UTF8"));
        assertEquals(Optional.of(new AdminCommand("set", "application_name", "it's me")),
                AdminCommand.parse("set application_name to 'it''s me';"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "SHOW", "SHOW POOLS STATS", "SHOW POOLS; SHOW STATS", "PAUSE my-db", "SELECT 1 + 1",
        "\"show\" pools", "SHOW POOLS;;"})
    void anythingElseIsNotACommand(String sql) {
        if (sql.equals("SHOW")) {
            assertEquals(Optional.of(new AdminCommand("show", null, null)), AdminCommand.parse(sql));
            return;
        }
        assertTrue(AdminCommand.parse(sql).isEmpty(), sql);
    }
}
