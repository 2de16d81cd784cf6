package io.pgmux.protocol.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * pgmux logs in to a server as a client that proved itself to pgmux, with the ClientKey recovered
 * from that client's proof and never the password.
 */
class ScramPassThroughTest {

    private static final byte[] SALT = "sixteen byte slt".getBytes();
    private static final ScramSecret SECRET = ScramSecret.fromPassword("correct horse", SALT, 4096);

    /** The ClientKey a real client reveals to pgmux while proving itself against {@code secret}. */
    private static byte[] clientKeyFromALogin(String password, ScramSecret secret) throws ScramException {
        ScramClient client = new ScramClient(password);
        ScramServer pgmux = new ScramServer(secret);
        pgmux.serverFinalMessage(client.clientFinalMessage(pgmux.serverFirstMessage(client.clientFirstMessage())));
        return pgmux.clientKey();
    }

    @Test
    void theRecoveredClientKeyLogsInToAServerStoringTheSameSecret() throws ScramException {
        byte[] clientKey = clientKeyFromALogin("correct horse", SECRET);
        ScramClient passThrough = ScramClient.withClientKey(SECRET, clientKey);
        ScramServer postgres = new ScramServer(SECRET);

        byte[] serverFinal = postgres.serverFinalMessage(
                passThrough.clientFinalMessage(postgres.serverFirstMessage(passThrough.clientFirstMessage())));
        passThrough.verifyServerFinal(serverFinal);

        assertArrayEquals(clientKey, postgres.clientKey());
    }

    @Test
    void aServerWhoseSecretChangedIsRefusedBeforeAnyProofIsSent() throws ScramException {
        byte[] clientKey = clientKeyFromALogin("correct horse", SECRET);
        ScramSecret rotated = ScramSecret.fromPassword("new password", "another salt 16b".getBytes(), 4096);
        ScramClient passThrough = ScramClient.withClientKey(SECRET, clientKey);
        ScramServer postgres = new ScramServer(rotated);
        byte[] serverFirst = postgres.serverFirstMessage(passThrough.clientFirstMessage());

        ScramException e = assertThrows(ScramException.class, () -> passThrough.clientFinalMessage(serverFirst));
        assertTrue(e.getMessage().contains("salt or iteration count"), e.getMessage());
    }

    @Test
    void aServerThatDoesNotKnowTheSecretFailsItsSignature() throws ScramException {
        byte[] clientKey = clientKeyFromALogin("correct horse", SECRET);
        // same salt and iterations, other keys: an impostor that copied the public parts only
        ScramSecret impostor = new ScramSecret(4096, SALT, SECRET.storedKey(), new byte[32]);
        ScramClient passThrough = ScramClient.withClientKey(SECRET, clientKey);
        ScramServer server = new ScramServer(impostor);

        byte[] serverFinal = server.serverFinalMessage(
                passThrough.clientFinalMessage(server.serverFirstMessage(passThrough.clientFirstMessage())));

        assertThrows(ScramException.class, () -> passThrough.verifyServerFinal(serverFinal));
    }
}
