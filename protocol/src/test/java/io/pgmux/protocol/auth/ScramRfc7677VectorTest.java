package io.pgmux.protocol.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The SCRAM-SHA-256 example of RFC 7677 section 3, byte for byte, from both ends. */
class ScramRfc7677VectorTest {

    private static final String CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";
    private static final String SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private static final byte[] SALT = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");

    private static final String CLIENT_FIRST = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    private static final String SERVER_FIRST =
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private static final String CLIENT_FINAL = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
            + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private static final String SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    @Test
    void clientProducesTheRfcMessages() throws ScramException {
        ScramClient client = new ScramClient("user", "pencil", CLIENT_NONCE);

        assertEquals(CLIENT_FIRST, text(client.clientFirstMessage()));
        assertEquals(CLIENT_FINAL, text(client.clientFinalMessage(bytes(SERVER_FIRST))));
        assertDoesNotThrow(() -> client.verifyServerFinal(bytes(SERVER_FINAL)));
    }

    @Test
    void serverProducesTheRfcMessages() throws ScramException {
        ScramSecret secret = ScramSecret.fromPassword("pencil", SALT, 4096);
        ScramServer server = new ScramServer(secret, SERVER_NONCE);

        assertEquals(SERVER_FIRST, text(server.serverFirstMessage(bytes(CLIENT_FIRST))));
        assertEquals(SERVER_FINAL, text(server.serverFinalMessage(bytes(CLIENT_FINAL))));
        assertArrayEquals(secret.storedKey(), ScramCrypto.sha256(server.clientKey()));
    }

    @Test
    void clientSendsAnEmptyUserNameAsLibpqDoes() {
        ScramClient client = new ScramClient("pencil", CLIENT_NONCE);

        assertEquals("n,,n=,r=rOprNGfwEbeRWgbNEkqO", text(client.clientFirstMessage()));
    }

    @Test
    void serverAcceptsTheEmptyUserNameOfPostgresClients() throws ScramException {
        ScramServer server = new ScramServer(ScramSecret.fromPassword("pencil", SALT, 4096), SERVER_NONCE);

        assertEquals(SERVER_FIRST, text(server.serverFirstMessage(bytes("n,,n=,r=" + CLIENT_NONCE))));
    }

    @Test
    void postgresStyleExchangeWithTheRfcParametersSucceedsBothWays() throws ScramException {
        ScramClient client = new ScramClient("pencil", CLIENT_NONCE);
        ScramServer server = new ScramServer(ScramSecret.fromPassword("pencil", SALT, 4096), SERVER_NONCE);

        byte[] serverFirst = server.serverFirstMessage(client.clientFirstMessage());
        byte[] clientFinal = client.clientFinalMessage(serverFirst);
        // The proof covers "n=,r=..." rather than "n=user,r=...", so it differs from the RFC's.
        assertTrue(text(clientFinal).startsWith("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p="));
        client.verifyServerFinal(server.serverFinalMessage(clientFinal));
    }

    @Test
    void secretFromTheRfcPasswordRoundTripsThroughPostgresForm() {
        ScramSecret secret = ScramSecret.fromPassword("pencil", SALT, 4096);

        assertEquals(secret, ScramSecret.parse(secret.encode()));
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
