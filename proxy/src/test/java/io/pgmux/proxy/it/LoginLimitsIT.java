package io.pgmux.proxy.it;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.AuthenticationRequest;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.PasswordMessage;
import io.pgmux.protocol.message.StartupMessage;
import io.pgmux.proxy.net.FrameDecoder;
import io.pgmux.proxy.testing.Console;
import io.pgmux.proxy.testing.LogCapture;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a connection may cost before it has logged in: small messages, a bounded time, a bounded
 * number of such connections, none of which count against max_client_connections; and the room
 * the admin console keeps when clients fill pgmux.
 */
class LoginLimitsIT {
    private static final String USER = "prelogin_user";
    private static final String PASSWORD = "prelogin-secret";
    private static final String ADMIN = "prelogin_admin";
    private static final String STATS = "prelogin_stats";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux()
            .role(USER, "LOGIN PASSWORD '" + PASSWORD + "'");

    private static Pgmux withPasswords(String extra) {
        return Pgmux.start("client_auth: password\nusers:\n  " + USER + ":\n    password: \"" + PASSWORD + "\"\n" + extra);
    }

    @Test
    void aPasswordMessageOfManyMegabytesIsRefusedAtItsHeaderAndLoggedOnce() throws IOException {
        int length = 58 * 1024 * 1024;
        try (Pgmux pgmux = withPasswords("max_message_size: 64MB\n"); LogCapture log = LogCapture.start();
             RawClient client = awaitPasswordRequest(pgmux)) {
            // when: the header of a 58 MB password message and its first kilobyte, nothing more
            client.sendRaw(headerAndFirstBytes(Frontend.PASSWORD, length, 1024)).flush();

            // then: refused at once, without waiting for (or buffering) the rest
            ErrorResponse error = client.read().error();
            assertEquals(ErrorResponse.FATAL, error.severity());
            assertEquals(SqlState.PROTOCOL_VIOLATION, error.sqlState());
            assertEquals("message of type 'p' is " + length + " bytes, over the limit of 8192 bytes before authentication",
                    error.message());
            assertTrue(client.isClosedByPeer());
            TestSql.await("the connection is forgotten", () -> pgmux.server().sessions().connectedCount() == 0);
            // and logged once, at INFO, without a stack trace
            assertLoggedOnceAtInfo(log, Integer.toString(length));
            assertEquals(List.of(), log.events().stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).toList());
        }
    }

    @Test
    void aPasswordMessageOfExactlyTheLimitIsCheckedAndOneByteMoreIsNot() throws IOException {
        try (Pgmux pgmux = withPasswords("")) {
            try (RawClient client = awaitPasswordRequest(pgmux)) {
                client.sendMessage('p', password(FrameDecoder.LOGIN_MESSAGE_LIMIT - 4)).flush();

                ErrorResponse error = client.read().error();
                assertEquals(SqlState.INVALID_PASSWORD, error.sqlState(), error::toString);
                assertEquals("password authentication failed for user \"" + USER + "\"", error.message());
            }
            try (RawClient client = awaitPasswordRequest(pgmux)) {
                client.sendMessage('p', password(FrameDecoder.LOGIN_MESSAGE_LIMIT - 3)).flush();

                ErrorResponse error = client.read().error();
                assertEquals(SqlState.PROTOCOL_VIOLATION, error.sqlState(), error::toString);
                assertEquals("message of type 'p' is 8193 bytes, over the limit of 8192 bytes before authentication",
                        error.message());
            }
        }
    }

    @Test
    void afterLoginMessagesMayBeAsLargeAsMaxMessageSize() throws IOException {
        try (Pgmux pgmux = withPasswords("max_message_size: 1MB\n"); RawClient client = awaitPasswordRequest(pgmux)) {
            // given: logged in with a password
            client.send(new PasswordMessage(PASSWORD)).flush();
            String welcome = RawClient.types(client.readUntilReady());
            assertTrue(welcome.startsWith("R") && !welcome.contains("E"), welcome);

            // when: a 200 kB query
            String literal = "x".repeat(200_000);
            List<Reply> replies = client.query("SELECT length('" + literal + "')");

            // then
            assertEquals(List.of("200000"), TestSql.row(replies));
        }
    }

    @Test
    void aMessageOverMaxMessageSizeAfterLoginIsRefusedAndLoggedOnce() throws IOException {
        int length = 3 * 1024 * 1024 + 7;
        try (Pgmux pgmux = Pgmux.start("max_message_size: 1MB\n"); LogCapture log = LogCapture.start();
             RawClient client = pgmux.raw(USER); RawClient bystander = pgmux.raw(USER)) {
            // when: the header of a 3 MB Parse (read whole, unlike a Query, which streams), and more bytes behind it
            client.sendRaw(headerAndFirstBytes(Frontend.PARSE, length, 4096)).flush();

            // then
            ErrorResponse error = client.read().error();
            assertEquals(SqlState.PROTOCOL_VIOLATION, error.sqlState());
            assertEquals("message of type 'P' is " + length + " bytes, over the limit of 1048576", error.message());
            assertTrue(client.isClosedByPeer());
            TestSql.await("the connection is forgotten", () -> pgmux.server().sessions().connectedCount() == 1);
            assertLoggedOnceAtInfo(log, Integer.toString(length));
            assertEquals("1", TestSql.value(bystander, "SELECT 1"));
        }
    }

    @Test
    void aReloadedLoginTimeoutAppliesToNewConnections() throws Exception {
        try (Pgmux pgmux = Pgmux.start("client_login_timeout: 60s\n")) {
            // when
            pgmux.rewriteConfig("client_login_timeout: 300ms\n");
            assertTrue(pgmux.server().reload().get(20, TimeUnit.SECONDS).ok());

            // then: a silent connection is told after 300 ms, not 60 s
            try (RawClient silent = RawClient.open(pgmux.host(), pgmux.port())) {
                long started = System.nanoTime();
                ErrorResponse error = silent.read().error();
                assertEquals(SqlState.CONNECTION_FAILURE, error.sqlState());
                assertEquals("login did not complete within 300ms (client_login_timeout)", error.message());
                assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(10));
            }
        }
    }

    @Test
    void silentSocketsFillOnlyThePendingLoginsAndLeaveAtTheLoginTimeout() throws Exception {
        try (Pgmux pgmux = Pgmux.start("max_pending_logins: 100\nclient_login_timeout: 2s\nmax_client_connections: 3\n")) {
            List<RawClient> silent = new ArrayList<>();
            try (RawClient before = pgmux.raw(USER)) {
                // given: a client logged in, and 99 sockets that say nothing
                for (int i = 0; i < 99; i++) {
                    silent.add(RawClient.open(pgmux.host(), pgmux.port()));
                }
                TestSql.await("99 connections logging in", () -> pgmux.server().sessions().loggingInCount() == 99);

                // then: they do not count against max_client_connections (3)
                try (RawClient during = pgmux.raw(USER)) {
                    assertEquals("1", TestSql.value(during, "SELECT 1"));
                }

                // when: the 100th fills max_pending_logins, and a 101st comes
                silent.add(RawClient.open(pgmux.host(), pgmux.port()));
                TestSql.await("100 connections logging in", () -> pgmux.server().sessions().loggingInCount() == 100);
                try (RawClient refused = RawClient.open(pgmux.host(), pgmux.port())) {
                    ErrorResponse error = refused.read().error();
                    assertEquals(ErrorResponse.FATAL, error.severity());
                    assertEquals(SqlState.TOO_MANY_CONNECTIONS, error.sqlState());
                    assertEquals("too many connections are logging in: pgmux allows 100 at once (max_pending_logins)",
                            error.message());
                    assertTrue(refused.isClosedByPeer());
                }

                // then: the logged-in client goes on
                assertEquals("2", TestSql.value(before, "SELECT 2"));

                // and the silent ones are told and closed at client_login_timeout
                ErrorResponse timedOut = silent.get(0).read().error();
                assertEquals(SqlState.CONNECTION_FAILURE, timedOut.sqlState());
                assertEquals("login did not complete within 2s (client_login_timeout)", timedOut.message());
                TestSql.await("the silent connections are gone", () -> pgmux.server().sessions().loggingInCount() == 0);
                for (RawClient client : silent) {
                    assertTrue(client.isClosedByPeer());
                }

                // and a client logs in again
                try (RawClient after = pgmux.raw(USER)) {
                    assertEquals("3", TestSql.value(after, "SELECT 3"));
                }
                assertEquals("4", TestSql.value(before, "SELECT 4"));
            } finally {
                for (RawClient client : silent) {
                    client.kill();
                }
            }
        }
    }

    @Test
    void whenClientsFillPgmuxTheConsoleStillGetsItsReservedConnections() throws Exception {
        String yaml = "max_client_connections: 2\nadmin_reserved_connections: 1\nadmin_users: [" + ADMIN + "]\n"
                + "stats_users: [" + STATS + "]\n";
        try (Pgmux pgmux = Pgmux.start(yaml); RawClient first = pgmux.raw(USER); RawClient second = pgmux.raw(USER)) {
            // given: max_client_connections reached
            ErrorResponse third = TestSql.loginError(pgmux.host(), pgmux.port(), TestPostgres.DATABASE, USER);
            assertEquals(SqlState.TOO_MANY_CONNECTIONS, third.sqlState());
            assertEquals("too many client connections: pgmux allows 2 (max_client_connections)", third.message());

            // when/then: an admin gets in, and the console works
            try (RawClient console = pgmux.console(ADMIN)) {
                assertNull(Console.show(console, "SHOW POOLS").error());
                // a second console session is over the reserved room
                ErrorResponse stats = TestSql.loginError(pgmux.host(), pgmux.port(), "pgbouncer", STATS);
                assertEquals(SqlState.TOO_MANY_CONNECTIONS, stats.sqlState());
                assertEquals("too many client connections: the admin console's 1 reserved connections are in use too"
                        + " (admin_reserved_connections)", stats.message());
            }
            // a user who is not a console user gets no reserved room, even on the console database
            ErrorResponse stranger = TestSql.loginError(pgmux.host(), pgmux.port(), "pgbouncer", USER);
            assertEquals(SqlState.TOO_MANY_CONNECTIONS, stranger.sqlState());

            // and once the admin has left, the stats user gets in
            TestSql.await("the admin's place is free", () -> pgmux.server().sessions().loggedInCount() == 2);
            try (RawClient stats = RawClient.connect(pgmux.host(), pgmux.port(), "pgbouncer", STATS)) {
                assertNull(Console.show(stats, "SHOW VERSION").error());
            }
            assertEquals("5", TestSql.value(first, "SELECT 5"));
            assertEquals("6", TestSql.value(second, "SELECT 6"));
        }
    }

    /** A connection that has sent its StartupMessage and was asked for a cleartext password. */
    private static RawClient awaitPasswordRequest(Pgmux pgmux) throws IOException {
        RawClient client = RawClient.open(pgmux.host(), pgmux.port());
        client.send(new StartupMessage(Frontend.PROTOCOL_3_0, Map.of("user", USER, "database", TestPostgres.DATABASE)))
                .flush();
        Reply reply = client.read();
        assertEquals(Backend.AUTHENTICATION, reply.type(), reply::toString);
        assertEquals(Backend.AUTH_CLEARTEXT_PASSWORD, AuthenticationRequest.decode(reply.buf()).code());
        return client;
    }

    /** A password message body of {@code bodyLength} bytes: x's and the terminating zero. */
    private static byte[] password(int bodyLength) {
        byte[] body = new byte[bodyLength];
        Arrays.fill(body, 0, bodyLength - 1, "x".getBytes(StandardCharsets.US_ASCII)[0]);
        return body;
    }

    /** A message header of {@code type} announcing {@code length}, and the first {@code bodyBytes} (zeros) of its body. */
    private static byte[] headerAndFirstBytes(byte type, int length, int bodyBytes) {
        return ByteBuffer.allocate(5 + bodyBytes).put(type).putInt(length).array();
    }

    /** One event mentions {@code text}: at INFO, without a stack trace. */
    private static void assertLoggedOnceAtInfo(LogCapture log, String text) {
        List<ILoggingEvent> lines = log.containing(text);
        assertEquals(1, lines.size(), lines::toString);
        assertEquals(Level.INFO, lines.get(0).getLevel());
        assertNull(lines.get(0).getThrowableProxy());
    }
}
