package io.pgmux.proxy.it;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.AuthenticationRequest;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.ParameterStatus;
import io.pgmux.protocol.message.StartupMessage;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The startup phase as a client sees it: encryption requests, protocol negotiation, refusals, the welcome. */
class StartupIT {
    private static final String USER = "startup_user";

    @RegisterExtension
    static final PgmuxFixture pgmux = PgmuxFixture.withConfig("pool_size: 2\n")
            .role(USER);

    @Test
    void sslRequestIsAnsweredNoAndTheStartupContinuesOnTheSameConnection() throws IOException {
        try (RawClient client = open()) {
            client.sendRaw(request(Frontend.SSL_REQUEST_CODE)).flush();
            assertEquals('N', client.readByte());

            assertLoginWorks(client);
        }
    }

    @Test
    void gssEncRequestIsAnsweredNoAndTheStartupContinuesOnTheSameConnection() throws IOException {
        try (RawClient client = open()) {
            client.sendRaw(request(Frontend.GSSENC_REQUEST_CODE)).flush();
            assertEquals('N', client.readByte());

            assertLoginWorks(client);
        }
    }

    @Test
    void gssEncThenSslRequestAsLibpqSendsThemAreBothRefusedBeforeTheStartup() throws IOException {
        try (RawClient client = open()) {
            client.sendRaw(request(Frontend.GSSENC_REQUEST_CODE)).flush();
            assertEquals('N', client.readByte());
            client.sendRaw(request(Frontend.SSL_REQUEST_CODE)).flush();
            assertEquals('N', client.readByte());

            assertLoginWorks(client);
        }
    }

    @Test
    void protocolThreeTwoGetsNegotiateProtocolVersionThenANormalLogin() throws IOException {
        try (RawClient client = open()) {
            client.send(new StartupMessage(3 << 16 | 2, startup(Map.of()))).flush();

            List<Reply> replies = client.readUntilReady();

            assertEquals('v', replies.get(0).typeChar());
            assertArrayEquals(negotiateProtocolVersion(List.of()), replies.get(0).frame());
            assertWelcome(replies.subList(1, replies.size()));
            assertEquals("TDCZ", RawClient.types(client.query("SELECT 1")));
        }
    }

    @Test
    void protocolOptionsAreListedAsUnrecognizedThenANormalLogin() throws IOException {
        try (RawClient client = open()) {
            Map<String, String> options = new LinkedHashMap<>();
            options.put("_pq_.compression", "on");
            options.put("_pq_.something", "1");
            client.send(new StartupMessage(Frontend.PROTOCOL_3_0, startup(options))).flush();

            List<Reply> replies = client.readUntilReady();

            assertArrayEquals(negotiateProtocolVersion(List.of("_pq_.compression", "_pq_.something")), replies.get(0).frame());
            assertWelcome(replies.subList(1, replies.size()));
            assertEquals("TDCZ", RawClient.types(client.query("SELECT 1")));
        }
    }

    @Test
    void protocolTwoIsRefused() throws IOException {
        try (RawClient client = open()) {
            client.send(new StartupMessage(2 << 16, startup(Map.of()))).flush();

            assertFatal(client, "0A000");
        }
    }

    @Test
    void replicationValuePostgresWouldRefuseIsRefused() throws IOException {
        try (RawClient client = open()) {
            client.send(new StartupMessage(Frontend.PROTOCOL_3_0, startup(Map.of("replication", "sometimes")))).flush();

            assertFatal(client, "22023");
        }
    }

    @Test
    void startupWithoutUserIsRefused() throws IOException {
        try (RawClient client = open()) {
            client.send(new StartupMessage(Frontend.PROTOCOL_3_0, Map.of("database", TestPostgres.DATABASE))).flush();

            assertFatal(client, "28000");
        }
    }

    @Test
    void unknownDatabaseWithoutUpstreamIsRefused() throws IOException {
        try (Pgmux listedOnly = Pgmux.start("upstream: null\ndatabases:\n  " + TestPostgres.DATABASE
                + ":\n    host: 127.0.0.1\n    port: ${PG_PORT}\n");
             RawClient client = RawClient.open(listedOnly.host(), listedOnly.port())) {
            Map<String, String> startup = new LinkedHashMap<>();
            startup.put("user", USER);
            startup.put("database", "startup_nosuchdb");
            client.send(new StartupMessage(Frontend.PROTOCOL_3_0, startup)).flush();

            // only after the login (trust here), as in Postgres: a client that cannot log in learns nothing of the databases
            assertEquals(Backend.AUTHENTICATION, client.read().type());
            ErrorResponse error = assertFatal(client, "3D000");
            assertEquals("no such database: startup_nosuchdb", error.message()); // PgBouncer's words

            // while the listed database works
            try (RawClient listed = listedOnly.raw(USER)) {
                assertEquals("TDCZ", RawClient.types(listed.query("SELECT 1")));
            }
        }
    }

    @Test
    void welcomeReportsTheServerParametersAKeyAndReadyForQueryIdle() throws IOException {
        try (RawClient client = open()) {
            client.send(new StartupMessage(Frontend.PROTOCOL_3_0, startup(Map.of()))).flush();

            assertWelcome(client.readUntilReady());
        }
    }

    @Test
    void welcomeReportsWhatPostgresItselfReports() throws IOException {
        Map<String, String> direct;
        try (RawClient postgres = RawClient.connect(TestPostgres.HOST, TestPostgres.get().port(), TestPostgres.DATABASE, USER)) {
            direct = postgres.parameters();
        }
        try (RawClient client = pgmux.raw(USER)) {
            assertEquals(direct, client.parameters());
        }
    }

    @Test
    void startupParameterWinsOverTheSameSettingInOptionsAsInPostgres() throws IOException {
        Map<String, String> startup = new LinkedHashMap<>();
        startup.put("options", "-c application_name=from_options -c search_path=from_options");
        startup.put("application_name", "direct");

        List<String> direct;
        try (RawClient postgres = RawClient.connect(TestPostgres.HOST, TestPostgres.get().port(), TestPostgres.DATABASE, USER, startup)) {
            direct = postgres.query("SELECT current_setting('application_name'), current_setting('search_path')").get(1).row();
        }
        try (RawClient client = pgmux.raw(USER, startup)) {
            List<String> viaPgmux = client.query("SELECT current_setting('application_name'), current_setting('search_path')").get(1).row();

            assertEquals(List.of("direct", "from_options"), direct);
            assertEquals(direct, viaPgmux);
            assertEquals("direct", client.parameters().get("application_name"));
        }
    }

    // ---------------------------------------------------------------- helpers

    private static RawClient open() throws IOException {
        return RawClient.open(pgmux.host(), pgmux.port());
    }

    private static Map<String, String> startup(Map<String, String> extra) {
        Map<String, String> startup = new LinkedHashMap<>();
        startup.put("user", USER);
        startup.put("database", TestPostgres.DATABASE);
        startup.putAll(extra);
        return startup;
    }

    private static void assertLoginWorks(RawClient client) throws IOException {
        client.send(new StartupMessage(Frontend.PROTOCOL_3_0, startup(Map.of()))).flush();
        assertWelcome(client.readUntilReady());
        assertEquals("TDCZ", RawClient.types(client.query("SELECT 1")));
    }

    /** AuthenticationOk, the ParameterStatus set, BackendKeyData, ReadyForQuery 'I' — nothing else. */
    private static void assertWelcome(List<Reply> replies) {
        assertEquals(Backend.AUTHENTICATION, replies.get(0).type());
        assertEquals(Backend.AUTH_OK, AuthenticationRequest.decode(replies.get(0).buf()).code());
        Map<String, String> parameters = new LinkedHashMap<>();
        int i = 1;
        for (; replies.get(i).type() == Backend.PARAMETER_STATUS; i++) {
            ParameterStatus status = ParameterStatus.decode(replies.get(i).buf());
            parameters.put(status.name(), status.value());
        }
        assertEquals(Backend.BACKEND_KEY_DATA, replies.get(i).type());
        assertEquals(13, replies.get(i).frame().length);
        assertTrue(replies.get(i).buf().getInt(5) != 0, "a process id");
        assertEquals(Backend.READY_FOR_QUERY, replies.get(i + 1).type());
        assertEquals(TransactionStatus.IDLE, replies.get(i + 1).status());
        assertEquals(i + 2, replies.size(), () -> "nothing after ReadyForQuery: " + replies);

        for (String name : List.of("server_version", "client_encoding", "DateStyle", "TimeZone", "integer_datetimes",
                "standard_conforming_strings")) {
            assertTrue(parameters.containsKey(name), () -> name + " missing from " + parameters);
        }
        assertEquals("UTF8", parameters.get("client_encoding"));
        assertEquals("on", parameters.get("integer_datetimes"));
        assertEquals("on", parameters.get("standard_conforming_strings"));
        assertEquals("UTC", parameters.get("TimeZone"));
        assertEquals("ISO, MDY", parameters.get("DateStyle"));
    }

    private static ErrorResponse assertFatal(RawClient client, String sqlState) throws IOException {
        Reply reply = client.read();
        assertEquals(Backend.ERROR_RESPONSE, reply.type(), () -> "expected an ErrorResponse, got " + reply);
        ErrorResponse error = reply.error();
        assertEquals("FATAL", error.severity(), error::toString);
        assertEquals(sqlState, error.sqlState(), error::toString);
        assertTrue(client.isClosedByPeer(), "pgmux closes the connection after the FATAL error");
        return error;
    }

    /** An SSLRequest or GSSENCRequest: length 8, then the request code. */
    private static byte[] request(int code) {
        return ByteBuffer.allocate(8).putInt(8).putInt(code).array();
    }

    /** NegotiateProtocolVersion spelled out byte by byte: newest version 3.0, then the options. */
    private static byte[] negotiateProtocolVersion(List<String> unrecognized) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(ByteBuffer.allocate(8).putInt(0x0003_0000).putInt(unrecognized.size()).array());
        for (String option : unrecognized) {
            body.writeBytes(option.getBytes(StandardCharsets.UTF_8));
            body.write(0);
        }
        return ByteBuffer.allocate(5 + body.size()).put((byte) 'v').putInt(4 + body.size()).put(body.toByteArray()).array();
    }
}
