package io.pgmux.proxy.it;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Execute;
import io.pgmux.protocol.message.Query;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static io.pgmux.proxy.testing.TestSql.intDirect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients that break the framing or the flow of the protocol get a FATAL protocol_violation (08P01)
 * and are closed, while a well-behaved client connected all along keeps working; a message with a
 * sound frame but a malformed body reaches Postgres, which answers it as it answers a direct client;
 * clients that vanish mid-message leave nothing behind.
 */
class BadInputIT {
    private static final String USER = "badinput_user";
    private static final String TABLE = "badinput_rows";

    @RegisterExtension
    static final PgmuxFixture pgmux = PgmuxFixture.withConfig("pool_size: 2\nquery_wait_timeout: 20s\nmax_message_size: 1kB\n")
            .role(USER)
            .table(TABLE, "tag text");

    private RawClient bystander;

    @BeforeEach
    void connectBystander() throws IOException {
        bystander = pgmux.raw(USER);
        assertBystanderWorks();
    }

    @AfterEach
    void closeBystander() throws IOException {
        assertBystanderWorks();
        bystander.close();
    }

    @Test
    void garbageAsTheFirstPacketIsRefused() throws IOException {
        byte[] garbage = new byte[64];
        new Random(42).nextBytes(garbage);
        garbage[0] = 0x5a; // a length of over a gigabyte, whatever the rest

        assertRefused(RawClient.open(pgmux.host(), pgmux.port()).sendRaw(garbage));
        assertRefused(RawClient.open(pgmux.host(), pgmux.port())
                .sendRaw("GET / HTTP/1.1\r\nHost: pgmux\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void startupPacketShorterThanEightBytesIsRefused() throws IOException {
        assertRefused(RawClient.open(pgmux.host(), pgmux.port()).sendRaw(int32(4)));
    }

    @Test
    void startupPacketLongerThanTenThousandBytesIsRefusedWithoutWaitingForIt() throws IOException {
        assertRefused(RawClient.open(pgmux.host(), pgmux.port()).sendRaw(int32(10_001)));
    }

    @Test
    void startupPacketWhoseParametersAreNotTerminatedIsRefused() throws IOException {
        byte[] parameters = "user\0badinput_user\0database\0pgmux".getBytes(StandardCharsets.US_ASCII);
        byte[] packet = ByteBuffer.allocate(8 + parameters.length).putInt(8 + parameters.length).putInt(3 << 16)
                .put(parameters).array();

        assertRefused(RawClient.open(pgmux.host(), pgmux.port()).sendRaw(packet));
    }

    @Test
    void unknownMessageTypeAfterLoginIsRefused() throws IOException {
        assertRefused(pgmux.raw(USER).sendMessage('y', new byte[0]));
    }

    @Test
    void messageOverMaxMessageSizeIsRefusedWithoutWaitingForItsBody() throws IOException {
        // a Parse header declaring 10 MB, and nothing after it (a Parse is read whole)
        RawClient client = pgmux.raw(USER).sendRaw(header('P', 10 * 1024 * 1024));

        ErrorResponse error = assertRefused(client);

        assertTrue(error.message().contains("1024"), error.message());
    }

    @Test
    void queryOverWhatPostgresAcceptsIsRefusedWithoutWaitingForItsBody() throws IOException {
        // a Query streams past max_message_size, but not past 1 GB
        ErrorResponse error = assertRefused(pgmux.raw(USER).sendRaw(header('Q', (1 << 30) + 1)));

        assertTrue(error.message().contains(String.valueOf(1 << 30)), error.message());
    }

    @Test
    void messageJustOverMaxMessageSizeIsRefusedAndOneAtTheLimitIsNot() throws IOException {
        try (RawClient client = pgmux.raw(USER)) {
            // 1024 bytes from the length on: "SELECT '" + x... + "'" + NUL
            String sql = "SELECT '" + "x".repeat(1024 - 4 - 10) + "'";
            List<Reply> replies = client.query(sql);
            assertEquals("TDCZ", RawClient.types(replies));
        }
        String sql = "SELECT '" + "x".repeat(1024 - 4 - 10 + 1) + "'";
        assertRefused(pgmux.raw(USER).send(new Query(sql)));
    }

    @Test
    void messageLengthBelowFourIsRefused() throws IOException {
        assertRefused(pgmux.raw(USER).sendRaw(header('Q', 3)));
    }

    @Test
    void passwordMessageAfterLoginIsRefused() throws IOException {
        assertRefused(pgmux.raw(USER).sendMessage('p', "secret\0".getBytes(StandardCharsets.UTF_8)));
    }

    /*
     * A named Parse is decoded by pgmux, which keeps named statements per client: a malformed one
     * is a protocol violation like any other, refused with FATAL 08P01.
     */
    @Test
    void namedParseEndingInsideItsStatementNameIsRefused() throws IOException {
        assertRefused(pgmux.raw(USER).sendMessage('P', new byte[] {'s', 't', 'm', 't'}));
    }

    /*
     * A message whose length is right but whose body is malformed, and that pgmux forwards as it is
     * (an unnamed Parse), is answered by Postgres the way it answers a direct client: with an
     * ERROR 08P01 and a skip to Sync. The session goes on.
     */
    @Test
    void parseWithItsParameterCountCutShortGetsPostgresProtocolErrorAndTheSessionGoesOn() throws IOException {
        assertErrorUntilSync("\0SELECT 1\0\0".getBytes(StandardCharsets.UTF_8), "insufficient data left in message");
    }

    private void assertErrorUntilSync(byte[] parseBody, String message) throws IOException {
        try (RawClient client = pgmux.raw(USER)) {
            client.sendMessage('P', parseBody).bind("", "").send(new Execute("", 0)).sync().flush();

            List<Reply> replies = client.readUntilReady();

            assertEquals("EZ", RawClient.types(replies));
            ErrorResponse error = replies.get(0).error();
            assertEquals("ERROR", error.severity(), error::toString);
            assertEquals("08P01", error.sqlState(), error::toString);
            assertEquals(message, error.message());
            assertEquals(TransactionStatus.IDLE, replies.get(1).status());
            assertEquals("TDCZ", RawClient.types(client.query("SELECT 1")));
        }
    }

    @Test
    void protocolViolationInsideATransactionRollsItBackAndFreesTheServer() throws Exception {
        // given a client holding a server in a transaction with an uncommitted row
        RawClient client = pgmux.raw(USER);
        client.query("BEGIN");
        client.query("INSERT INTO " + TABLE + " VALUES ('violated')");

        // when it sends garbage
        assertRefused(client.sendMessage('y', new byte[0]));

        // then its transaction is rolled back and the server goes back to the pool
        pgmux.awaitNothingHeld(USER, 1);
        assertEquals(0, intDirect("SELECT count(*) FROM " + TABLE + " WHERE tag = 'violated'"));
    }

    @Test
    void clientSendingHalfAMessageAndLeavingLeavesNothingBehind() throws Exception {
        // given an idle client and one in a transaction, each sending half a Query, then vanishing
        RawClient idle = pgmux.raw(USER);
        idle.sendRaw(header('Q', 100)).sendRaw("SELECT".getBytes(StandardCharsets.US_ASCII)).flush();
        RawClient inTransaction = pgmux.raw(USER);
        inTransaction.query("BEGIN");
        inTransaction.query("INSERT INTO " + TABLE + " VALUES ('half')");
        inTransaction.sendRaw(header('Q', 100)).sendRaw("COMMIT".getBytes(StandardCharsets.US_ASCII)).flush();

        idle.kill();
        inTransaction.kill();

        // then only the bystander's session remains, no server is held, and the transaction is gone
        pgmux.awaitNothingHeld(USER, 1);
        assertEquals(0, intDirect("SELECT count(*) FROM " + TABLE + " WHERE tag = 'half'"));
        assertEquals(0, intDirect("SELECT count(*) FROM pg_stat_activity WHERE usename = '" + USER
                + "' AND state <> 'idle'"));
    }

    // ---------------------------------------------------------------- helpers

    /** Sends what the client queued and expects a FATAL 08P01, then the connection closed. */
    private ErrorResponse assertRefused(RawClient client) throws IOException {
        try (client) {
            client.flush();
            Reply reply = client.read();
            assertEquals(Backend.ERROR_RESPONSE, reply.type(), () -> "expected an ErrorResponse, got " + reply);
            ErrorResponse error = reply.error();
            assertEquals("FATAL", error.severity(), error::toString);
            assertEquals("08P01", error.sqlState(), error::toString);
            assertTrue(client.isClosedByPeer(), "pgmux closes the connection after the FATAL error");
            assertBystanderWorks();
            return error;
        }
    }

    private void assertBystanderWorks() throws IOException {
        List<Reply> replies = bystander.query("SELECT 'still here'");
        assertEquals("TDCZ", RawClient.types(replies));
        assertEquals(List.of("still here"), replies.get(1).row());
    }

    private static byte[] int32(int value) {
        return ByteBuffer.allocate(4).putInt(value).array();
    }

    private static byte[] header(char type, int length) {
        return ByteBuffer.allocate(5).put((byte) type).putInt(length).array();
    }
}
