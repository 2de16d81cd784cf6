package io.pgmux.proxy.it;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Execute;
import io.pgmux.protocol.message.Parse;
import io.pgmux.protocol.message.Query;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A malformed message costs its sender its connection and nothing else, whatever the sender was
 * doing: idle, queued for a server, holding one in a transaction, in the middle of a pipeline. It
 * gets FATAL 08P01 naming what is wrong; the server it held or was about to get goes back clean or
 * is closed, and its pool slot is free at once (issue 9, items 1 and 2).
 *
 * <p>The pool has one server, so a client that queues for it is the one the server is handed to next.
 */
class MalformedMessageIT {
    private static final String USER = "malformed_user";
    private static final String TABLE = "malformed_rows";

    @RegisterExtension
    static final PgmuxFixture pgmux = PgmuxFixture.withConfig("pool_size: 1\nquery_wait_timeout: 15s\n")
            .role(USER)
            .emptyTable(TABLE, "tag text");

    @AfterEach
    void theOneServerIsAccountedForAndServesTheNextClient() throws Exception {
        pgmux.awaitNothingHeld(USER, 0);
        try (RawClient next = pgmux.raw(USER)) {
            assertEquals(List.of("next"), TestSql.row(next.query("SELECT 'next'")));
        }
        TestSql.await("one idle server in the pool and in Postgres", () -> {
            try {
                return pgmux.counts(USER).idleServers() == 1 && Pgmux.serverConnections(TestPostgres.DATABASE, USER) == 1
                        && pgmux.pool(USER).servers().size() == 1 && TestSql.backendsInState(USER, "idle") == 1;
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    static Stream<Arguments> malformedMessages() {
        return Stream.of(
                Arguments.of('D', bytes("Znope\0"), "Describe message: invalid target 'Z', expected 'S' (statement) or 'P' (portal)"),
                Arguments.of('D', bytes(""), "Describe message is empty: expected 'S' or 'P' and a name"),
                Arguments.of('D', bytes("Sunterminated"), "Describe message: the name is not null-terminated"),
                Arguments.of('E', bytes(""), "Execute message: the portal name is not null-terminated"),
                Arguments.of('E', bytes("\0"), "Execute message: expected a 4-byte row limit after the portal name, found 0 bytes"),
                Arguments.of('C', bytes("X\0"), "Close message: invalid target 'X', expected 'S' (statement) or 'P' (portal)"),
                Arguments.of('B', bytes("portal\0stmt"), "Bind message: the statement name is not null-terminated"),
                Arguments.of('P', bytes("stmt\0SELECT 1\0"), "Parse message: the parameter type count is missing"),
                Arguments.of('S', bytes("x"), "Sync message must be empty, but has 1 bytes"),
                Arguments.of('Q', bytes("SELECT 1"), "Query message: the query string is not null-terminated"));
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("malformedMessages")
    void fromAClientQueuedForTheServerItCostsOnlyThatClient(char type, byte[] body, String message) throws Exception {
        // given a client holding the only server in a transaction
        try (RawClient holder = pgmux.raw(USER)) {
            holder.query("BEGIN");
            holder.query("INSERT INTO " + TABLE + " VALUES ('kept')");
            // and a client queued for that server
            RawClient queued = pgmux.raw(USER);
            queued.send(new Query("SELECT 'queued'")).flush();
            TestSql.await("the second client queues", () -> pgmux.counts(USER).waiting() == 1);

            // when the queued client sends a malformed message, then Sync
            queued.sendMessage(type, body).sync();

            // then it alone is refused, at once, and leaves the queue
            assertRefused(queued, message);
            TestSql.await("the queue is empty", () -> pgmux.counts(USER).waiting() == 0);
            // and the holder's transaction goes on and commits
            assertEquals("CZ", RawClient.types(holder.query("INSERT INTO " + TABLE + " VALUES ('kept')")));
            assertEquals("CZ", RawClient.types(holder.query("COMMIT")));
        }
        assertEquals("2", TestSql.direct("SELECT count(*) FROM " + TABLE + " WHERE tag = 'kept'"));
    }

    @Test
    void aBadDescribeTargetAsTheFirstMessageWhileThePoolIsBusyCostsNoServer() throws Exception {
        // issue 9 item 1 as reported: the server went to the client, failed on its Describe, and was lost to the pool
        try (RawClient holder = pgmux.raw(USER)) {
            holder.query("BEGIN");
            RawClient other = pgmux.raw(USER).sendMessage('D', bytes("Znope\0")).sync();

            assertRefused(other, "Describe message: invalid target 'Z', expected 'S' (statement) or 'P' (portal)");
            assertEquals("CZ", RawClient.types(holder.query("COMMIT")));
        }
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("malformedMessages")
    void asTheFirstMessageOfAnIdleClientItIsRefused(char type, byte[] body, String message) throws Exception {
        assertRefused(pgmux.raw(USER).sendMessage(type, body).sync(), message);
    }

    @Test
    void anEmptyExecuteFromAnIdleClientGetsProtocolViolation() throws Exception {
        // issue 9 item 2: this closed the connection without a word (IndexOutOfBoundsException)
        assertRefused(pgmux.raw(USER).sendMessage('E', new byte[0]), "Execute message: the portal name is not null-terminated");
    }

    @Test
    void insideATransactionTheTransactionIsRolledBackAndTheServerReturned() throws Exception {
        RawClient client = pgmux.raw(USER);
        client.query("BEGIN");
        client.query("INSERT INTO " + TABLE + " VALUES ('rolled back')");

        assertRefused(client.sendMessage('D', bytes("Znope\0")), "Describe message: invalid target 'Z', expected 'S' (statement) or 'P' (portal)");

        TestSql.await("the server is back", () -> pgmux.counts(USER).activeServers() == 0);
        assertEquals("0", TestSql.direct("SELECT count(*) FROM " + TABLE));
    }

    @Test
    void inThePendingPartOfAPipelineNothingOfThePipelineRuns() throws Exception {
        // given a pipeline whose valid head and malformed tail arrive in one write
        RawClient client = pgmux.raw(USER);
        client.send(new Parse("", "INSERT INTO " + TABLE + " VALUES ('pipelined')", new int[0])).bind("", "")
                .send(new Execute("", 0)).sendMessage('E', new byte[0]).sync();

        // then the client is refused, and what came before the malformed message never commits
        assertRefused(client, "Execute message: the portal name is not null-terminated");
        TestSql.await("the server is back", () -> pgmux.counts(USER).activeServers() == 0);
        assertEquals("0", TestSql.direct("SELECT count(*) FROM " + TABLE));
    }

    @Test
    void whileInCopyTheCopyIsAbandonedAndTheServerNotLost() throws Exception {
        RawClient client = pgmux.raw(USER);
        client.send(new Query("COPY " + TABLE + " FROM STDIN")).flush();
        assertEquals(Backend.COPY_IN_RESPONSE, client.read().type());
        client.sendMessage('d', bytes("copied\n"));

        assertRefused(client.sendMessage('c', bytes("junk")), "CopyDone message must be empty, but has 4 bytes");

        TestSql.await("the server is back or closed", () -> pgmux.counts(USER).activeServers() == 0);
        assertEquals("0", TestSql.direct("SELECT count(*) FROM " + TABLE));
    }

    @Test
    void aQueryDuringCopyFromStdinIsRefusedInsteadOfWaitingForever() throws Exception {
        // found by the fuzzer: a DEALLOCATE (answered by pgmux) waited for the COPY to end, and the client for it
        RawClient client = pgmux.raw(USER);
        client.send(new Query("COPY " + TABLE + " FROM STDIN")).flush();
        assertEquals(Backend.COPY_IN_RESPONSE, client.read().type());

        assertRefused(client.sendMessage('d', bytes("copied\n")).send(new Query("DEALLOCATE ALL")),
                "unexpected message type 'Q' during COPY FROM STDIN: only CopyData, CopyDone, CopyFail, Flush and Sync may be sent");

        TestSql.await("the server is closed", () -> pgmux.counts(USER).activeServers() == 0);
        assertEquals("0", TestSql.direct("SELECT count(*) FROM " + TABLE));
    }

    // ---------------------------------------------------------------- helpers

    private static void assertRefused(RawClient client, String message) throws IOException {
        try (client) {
            client.flush();
            Reply reply = client.read();
            while (reply.type() == Backend.NOTICE_RESPONSE) {
                reply = client.read();
            }
            assertEquals(Backend.ERROR_RESPONSE, reply.type(), "expected an ErrorResponse, got " + reply);
            ErrorResponse error = reply.error();
            assertEquals("FATAL", error.severity(), error::toString);
            assertEquals("08P01", error.sqlState(), error::toString);
            assertEquals(message, error.message());
            assertTrue(client.isClosedByPeer(), "pgmux closes the connection after the FATAL error");
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
