package io.pgmux.protocol.auth;

import static io.pgmux.protocol.auth.ScramRfc7677VectorTest.bytes;
import static io.pgmux.protocol.auth.ScramRfc7677VectorTest.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** SCRAM-SHA-256-PLUS with tls-server-end-point: what the server accepts and refuses. */
class ScramChannelBindingTest {
    private static final String PASSWORD = "correct horse";
    private static final ScramSecret SECRET = ScramSecret.fromPassword(PASSWORD, "sixteen byte slt".getBytes(), 4096);
    private static final byte[] CERT_HASH = new byte[32];

    static {
        for (int i = 0; i < CERT_HASH.length; i++) {
            CERT_HASH[i] = (byte) (i * 7);
        }
    }

    @Test
    void plusIsListedFirstOnlyWhenChannelBindingIsOffered() {
        assertEquals(List.of("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"), ScramServer.mechanisms(true));
        assertEquals(List.of("SCRAM-SHA-256"), ScramServer.mechanisms(false));
    }

    @Test
    void aClientBoundToTheCertificateHashLogsIn() throws ScramException {
        ScramServer server = new ScramServer(SECRET, "servernonce", CERT_HASH);
        String serverFirst = text(server.serverFirstMessage(bytes("p=tls-server-end-point,,n=,r=abc"), ScramServer.MECHANISM_PLUS));

        String clientFinal = ScramTestClient.clientFinal("p=tls-server-end-point,,", CERT_HASH, "n=,r=abc", serverFirst, PASSWORD);

        assertTrue(text(server.serverFinalMessage(bytes(clientFinal))).startsWith("v="));
    }

    @Test
    void aClientBoundToAnotherCertificateIsRefused() throws ScramException {
        ScramServer server = new ScramServer(SECRET, "servernonce", CERT_HASH);
        String serverFirst = text(server.serverFirstMessage(bytes("p=tls-server-end-point,,n=,r=abc"), ScramServer.MECHANISM_PLUS));
        byte[] otherHash = CERT_HASH.clone();
        otherHash[0] ^= 1;

        String clientFinal = ScramTestClient.clientFinal("p=tls-server-end-point,,", otherHash, "n=,r=abc", serverFirst, PASSWORD);

        ScramException e = assertThrows(ScramException.class, () -> server.serverFinalMessage(bytes(clientFinal)));
        assertTrue(e.getMessage().contains("channel binding"), e.getMessage());
    }

    @Test
    void plainScramStillWorksWhenPlusIsOffered() throws ScramException {
        ScramServer server = new ScramServer(SECRET, "servernonce", CERT_HASH);
        String serverFirst = text(server.serverFirstMessage(bytes("n,,n=,r=abc"), ScramServer.MECHANISM));

        String clientFinal = ScramTestClient.clientFinal("n,,", "n=,r=abc", serverFirst, PASSWORD);

        assertTrue(text(server.serverFinalMessage(bytes(clientFinal))).startsWith("v="));
    }

    @Test
    void headersThatDoNotFitTheMechanismAreRefused() {
        assertEquals("SCRAM channel binding negotiation error: the client supports channel binding but thinks the server"
                        + " does not, while this server does support it",
                assertThrows(ScramException.class, () -> new ScramServer(SECRET, "s", CERT_HASH)
                        .serverFirstMessage(bytes("y,,n=,r=abc"), ScramServer.MECHANISM)).getMessage());
        assertEquals("the client selected SCRAM-SHA-256-PLUS without channel binding in its GS2 header",
                assertThrows(ScramException.class, () -> new ScramServer(SECRET, "s", CERT_HASH)
                        .serverFirstMessage(bytes("n,,n=,r=abc"), ScramServer.MECHANISM_PLUS)).getMessage());
        assertEquals("unsupported SCRAM channel-binding type \"tls-unique\"",
                assertThrows(ScramException.class, () -> new ScramServer(SECRET, "s", CERT_HASH)
                        .serverFirstMessage(bytes("p=tls-unique,,n=,r=abc"), ScramServer.MECHANISM_PLUS)).getMessage());
        assertEquals("the client selected SCRAM-SHA-256-PLUS, which was not offered",
                assertThrows(ScramException.class, () -> new ScramServer(SECRET, "s")
                        .serverFirstMessage(bytes("p=tls-server-end-point,,n=,r=abc"), ScramServer.MECHANISM_PLUS)).getMessage());
        assertEquals("the client asked for channel binding (SCRAM-SHA-256-PLUS), but selected SCRAM-SHA-256",
                assertThrows(ScramException.class, () -> new ScramServer(SECRET, "s", CERT_HASH)
                        .serverFirstMessage(bytes("p=tls-server-end-point,,n=,r=abc"), ScramServer.MECHANISM)).getMessage());
    }

    @Test
    void yIsFineWhenTheServerDoesNotOfferBinding() throws ScramException {
        ScramServer server = new ScramServer(SECRET, "servernonce");
        String serverFirst = text(server.serverFirstMessage(bytes("y,,n=,r=abc")));
        String clientFinal = ScramTestClient.clientFinal("y,,", "n=,r=abc", serverFirst, PASSWORD);
        assertTrue(text(server.serverFinalMessage(bytes(clientFinal))).startsWith("v="));
    }
}
