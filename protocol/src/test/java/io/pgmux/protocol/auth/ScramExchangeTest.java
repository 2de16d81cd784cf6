package io.pgmux.protocol.auth;

import static io.pgmux.protocol.auth.ScramRfc7677VectorTest.bytes;
import static io.pgmux.protocol.auth.ScramRfc7677VectorTest.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** pgmux's SCRAM client against pgmux's SCRAM server. */
class ScramExchangeTest {

    private static final byte[] SALT = "sixteen byte slt".getBytes();
    private static final ScramSecret SECRET = ScramSecret.fromPassword("correct horse", SALT, 4096);

    @Test
    void rightPasswordIsAcceptedAndTheServerIsVerified() throws ScramException {
        ScramClient client = new ScramClient("correct horse");
        ScramServer server = new ScramServer(SECRET);

        byte[] serverFirst = server.serverFirstMessage(client.clientFirstMessage());
        byte[] serverFinal = server.serverFinalMessage(client.clientFinalMessage(serverFirst));
        client.verifyServerFinal(serverFinal);

        assertArrayEquals(SECRET.storedKey(), ScramCrypto.sha256(server.clientKey()));
    }

    @Test
    void randomNoncesAreTwentyFourBase64Characters() {
        String first = text(new ScramClient("pw").clientFirstMessage());

        assertTrue(first.matches("n,,n=,r=[A-Za-z0-9+/]{24}"), first);
    }

    @Test
    void wrongPasswordIsRejectedAtTheProof() throws ScramException {
        ScramClient client = new ScramClient("battery staple");
        ScramServer server = new ScramServer(SECRET);

        byte[] clientFinal = client.clientFinalMessage(server.serverFirstMessage(client.clientFirstMessage()));

        ScramException e = assertThrows(ScramException.class, () -> server.serverFinalMessage(clientFinal));
        assertEquals("password authentication failed: the SCRAM client proof is wrong", e.getMessage());
    }

    @Test
    void tamperedNonceInClientFinalIsRejected() throws ScramException {
        ScramClient client = new ScramClient("correct horse", "clientnonce");
        ScramServer server = new ScramServer(SECRET, "servernonce");
        byte[] clientFinal = client.clientFinalMessage(server.serverFirstMessage(client.clientFirstMessage()));

        byte[] tampered = bytes(text(clientFinal).replace("r=clientnonceservernonce", "r=clientnonceservernoncX"));

        ScramException e = assertThrows(ScramException.class, () -> server.serverFinalMessage(tampered));
        assertEquals("the SCRAM nonce in the client-final-message is not the one the server sent", e.getMessage());
    }

    @Test
    void tamperedProofIsRejected() throws ScramException {
        ScramClient client = new ScramClient("correct horse", "clientnonce");
        ScramServer server = new ScramServer(SECRET, "servernonce");
        String clientFinal = text(client.clientFinalMessage(server.serverFirstMessage(client.clientFirstMessage())));
        int proofStart = clientFinal.indexOf(",p=") + 3;
        char first = clientFinal.charAt(proofStart);
        String tampered = clientFinal.substring(0, proofStart) + (first == 'A' ? 'B' : 'A')
                + clientFinal.substring(proofStart + 1);

        assertThrows(ScramException.class, () -> server.serverFinalMessage(bytes(tampered)));
    }

    /* Found by ScramParsersFuzzTest: Java's base64 decoder takes a proof without its padding. */
    @Test
    void aProofSpelledWithoutItsBase64PaddingIsRejected() throws ScramException {
        ScramClient client = new ScramClient("correct horse", "clientnonce");
        ScramServer server = new ScramServer(SECRET, "servernonce");
        String clientFinal = text(client.clientFinalMessage(server.serverFirstMessage(client.clientFirstMessage())));
        assertTrue(clientFinal.endsWith("="), clientFinal);

        String unpadded = clientFinal.substring(0, clientFinal.length() - 1);

        ScramException e = assertThrows(ScramException.class, () -> server.serverFinalMessage(bytes(unpadded)));
        assertTrue(e.getMessage().contains("is not valid base64"), e.getMessage());
    }

    @Test
    void clientRejectsAServerNonceThatDoesNotExtendItsOwn() {
        ScramClient client = new ScramClient("pw", "clientnonce");
        client.clientFirstMessage();

        ScramException e = assertThrows(ScramException.class,
                () -> client.clientFinalMessage(bytes("r=othernonceXYZ,s=c2FsdA==,i=4096")));
        assertEquals("the server's SCRAM nonce does not extend the client's nonce", e.getMessage());
    }

    @Test
    void clientRejectsAServerNonceWithNothingAdded() {
        ScramClient client = new ScramClient("pw", "clientnonce");
        client.clientFirstMessage();

        assertThrows(ScramException.class, () -> client.clientFinalMessage(bytes("r=clientnonce,s=c2FsdA==,i=4096")));
    }

    @Test
    void clientRejectsAWrongServerSignature() throws ScramException {
        ScramClient client = new ScramClient("correct horse");
        ScramServer server = new ScramServer(SECRET);
        server.serverFinalMessage(client.clientFinalMessage(server.serverFirstMessage(client.clientFirstMessage())));

        ScramException e = assertThrows(ScramException.class,
                () -> client.verifyServerFinal(bytes("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")));
        assertTrue(e.getMessage().startsWith("the server's SCRAM signature is wrong"), e.getMessage());
    }

    @Test
    void clientTurnsAnErrorAttributeIntoAnException() throws ScramException {
        ScramClient client = new ScramClient("pw", "clientnonce");
        client.clientFirstMessage();
        client.clientFinalMessage(bytes("r=clientnonceSRV,s=c2FsdA==,i=1"));

        ScramException e = assertThrows(ScramException.class, () -> client.verifyServerFinal(bytes("e=invalid-proof")));
        assertEquals("the server rejected the SCRAM exchange: invalid-proof", e.getMessage());
    }

    @Test
    void clientThatCouldBindChannelsCompletesTheExchange() throws ScramException {
        ScramServer server = new ScramServer(SECRET, "srv");
        String serverFirst = text(server.serverFirstMessage(bytes("y,,n=,r=cli")));

        String clientFinal = ScramTestClient.clientFinal("y,,", "n=,r=cli", serverFirst, "correct horse");

        assertTrue(text(server.serverFinalMessage(bytes(clientFinal))).startsWith("v="));
    }

    @Test
    void channelBindingMustMatchTheHeaderActuallyUsed() throws ScramException {
        ScramServer server = new ScramServer(SECRET, "srv");
        String serverFirst = text(server.serverFirstMessage(bytes("n,,n=,r=cli")));

        String clientFinal = ScramTestClient.clientFinal("y,,", "n=,r=cli", serverFirst, "correct horse");

        ScramException e = assertThrows(ScramException.class, () -> server.serverFinalMessage(bytes(clientFinal)));
        assertEquals("the SCRAM channel binding in the client-final-message does not match the GS2 header"
                + " of the client-first-message", e.getMessage());
    }

    @Test
    void serverCallsOutOfOrderAreIllegal() throws ScramException {
        ScramServer server = new ScramServer(SECRET, "srv");

        assertThrows(IllegalStateException.class, server::clientKey);
        assertThrows(IllegalStateException.class, () -> server.serverFinalMessage(bytes("c=biws,r=x,p=AAAA")));
        server.serverFirstMessage(bytes("n,,n=,r=cli"));
        assertThrows(IllegalStateException.class, () -> server.serverFirstMessage(bytes("n,,n=,r=cli")));
        assertThrows(IllegalStateException.class, server::clientKey);
    }

    @Test
    void serverIsDoneAfterAFailure() throws ScramException {
        ScramServer server = new ScramServer(SECRET, "srv");
        server.serverFirstMessage(bytes("n,,n=,r=cli"));
        assertThrows(ScramException.class, () -> server.serverFinalMessage(bytes("c=biws,r=wrong,p=AAAA")));

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> server.serverFinalMessage(bytes("c=biws,r=clisrv,p=AAAA")));
        assertEquals("serverFinalMessage() called while the SCRAM server is in state Failed", e.getMessage());
        assertThrows(IllegalStateException.class, server::clientKey);
    }

    @Test
    void clientCallsOutOfOrderAreIllegal() throws ScramException {
        ScramClient client = new ScramClient("pw", "cli");

        assertThrows(IllegalStateException.class, () -> client.clientFinalMessage(bytes("r=clisrv,s=c2FsdA==,i=1")));
        assertThrows(IllegalStateException.class, () -> client.verifyServerFinal(bytes("v=AAAA")));
        client.clientFirstMessage();
        assertThrows(IllegalStateException.class, client::clientFirstMessage);
        assertThrows(IllegalStateException.class, () -> client.verifyServerFinal(bytes("v=AAAA")));
        client.clientFinalMessage(bytes("r=clisrv,s=c2FsdA==,i=1"));
        assertThrows(IllegalStateException.class, () -> client.clientFinalMessage(bytes("r=clisrv,s=c2FsdA==,i=1")));
    }

    @Test
    void clientIsDoneAfterAFailure() {
        ScramClient client = new ScramClient("pw", "cli");
        client.clientFirstMessage();
        assertThrows(ScramException.class, () -> client.clientFinalMessage(bytes("r=clisrv,s=c2FsdA==,i=0")));

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> client.clientFinalMessage(bytes("r=clisrv,s=c2FsdA==,i=1")));
        assertEquals("clientFinalMessage() called while the SCRAM client is in state Failed", e.getMessage());
    }

    @Test
    void userNameIsEscapedAsSaslName() {
        assertEquals("n,,n=a=2Cb=3Dc,r=cli", text(new ScramClient("a,b=c", "pw", "cli").clientFirstMessage()));
    }

    @Test
    void explicitNoncesMustBePrintableWithoutCommas() {
        assertThrows(IllegalArgumentException.class, () -> new ScramClient("pw", "a,b"));
        assertThrows(IllegalArgumentException.class, () -> new ScramServer(SECRET, ""));
        assertThrows(IllegalArgumentException.class, () -> new ScramServer(SECRET, "caf\u00e9"));
    }
}
