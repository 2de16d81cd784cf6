package io.pgmux.protocol.auth;

import static io.pgmux.protocol.auth.ScramRfc7677VectorTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every malformed message fails with a ScramException whose message says what was wrong. */
class MalformedScramMessagesTest {

    private static final ScramSecret SECRET = ScramSecret.fromPassword("pw", new byte[16], 1);

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''                          | malformed SCRAM client-first-message: expected a GS2 header such as 'n,,'",
        "n                           | malformed SCRAM client-first-message: expected a GS2 header such as 'n,,'",
        "n,n=,r=abc                  | malformed SCRAM client-first-message: expected an empty authorization identity in the GS2 header",
        "x,,n=,r=abc                 | malformed SCRAM client-first-message: the channel binding flag must be 'n', 'y' or 'p=...'",
        "p=tls-server-end-point,,n=,r=abc | the client asked for channel binding (SCRAM-SHA-256-PLUS), but only SCRAM-SHA-256 is offered",
        "n,a=alice,n=,r=abc          | the client sent an authorization identity (a=...), which is not supported",
        "n,alice,n=,r=abc            | malformed SCRAM client-first-message: expected an empty authorization identity in the GS2 header",
        "n,,m=ext,n=,r=abc           | the client requires a SCRAM extension that is not supported",
        "n,,r=abc                    | malformed SCRAM client-first-message: expected attribute 'n' (user name) but found attribute 'r'",
        "n,,n=                       | malformed SCRAM client-first-message: expected attribute 'r' (nonce) but the message ended",
        "n,,n=,r=                    | malformed SCRAM client-first-message: the nonce must be non-empty printable ASCII",
        "n,,n=,r=abc,garbage         | malformed SCRAM client-first-message: expected an attribute of the form 'x=value' but found something else",
    })
    void serverRejectsMalformedClientFirst(String message, String expected) {
        ScramServer server = new ScramServer(SECRET);

        ScramException e = assertThrows(ScramException.class, () -> server.serverFirstMessage(bytes(message)));
        assertEquals(expected, e.getMessage());
    }

    @Test
    void serverIgnoresExtensionsAfterTheNonce() throws ScramException {
        ScramServer server = new ScramServer(SECRET, "srv");

        assertEquals("r=abcsrv,s=AAAAAAAAAAAAAAAAAAAAAA==,i=1",
                ScramRfc7677VectorTest.text(server.serverFirstMessage(bytes("n,,n=,r=abc,x=ext"))));
    }

    @Test
    void serverRejectsInvalidUtf8() {
        ScramServer server = new ScramServer(SECRET);

        ScramException e = assertThrows(ScramException.class,
                () -> server.serverFirstMessage(new byte[] {'n', ',', ',', 'n', '=', (byte) 0xC3, ',', 'r', '=', 'a'}));
        assertEquals("malformed SCRAM client-first-message: not valid UTF-8", e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "r=abcsrv,p=AAAA                   | malformed SCRAM client-final-message: expected attribute 'c' (channel binding) but found attribute 'r'",
        "c=biws,p=AAAA                     | malformed SCRAM client-final-message: expected attribute 'r' (nonce) but found attribute 'p'",
        "c=biws,r=abcsrv                   | malformed SCRAM client-final-message: expected attribute 'p' (client proof) but the message ended",
        "c=biws,r=abcsrv,p=not*base64      | malformed SCRAM client-final-message: attribute 'p' (client proof) is not valid base64",
        "c=biws,r=abcsrv,p=AAAA            | malformed SCRAM client-final-message: the client proof must be 32 bytes, got 3",
        "c=biws,r=abcsrv,p=AAAA,x=y        | malformed SCRAM client-final-message: unexpected data after the last attribute",
        "c=eSws,r=abcsrv,p=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= | the SCRAM channel binding in the client-final-message does not match the GS2 header of the client-first-message",
        "c=biws,r=abc,p=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=    | the SCRAM nonce in the client-final-message is not the one the server sent",
        "c=biws,r=abcsrv,x=ext,p=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= | password authentication failed: the SCRAM client proof is wrong",
    })
    void serverRejectsMalformedOrWrongClientFinal(String message, String expected) throws ScramException {
        ScramServer server = new ScramServer(SECRET, "srv");
        server.serverFirstMessage(bytes("n,,n=,r=abc"));

        ScramException e = assertThrows(ScramException.class, () -> server.serverFinalMessage(bytes(message)));
        assertEquals(expected, e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "r=clisrv,i=4096                | malformed SCRAM server-first-message: expected attribute 's' (salt) but found attribute 'i'",
        "r=clisrv,s=c2FsdA==            | malformed SCRAM server-first-message: expected attribute 'i' (iteration count) but the message ended",
        "s=c2FsdA==,i=4096              | malformed SCRAM server-first-message: expected attribute 'r' (nonce) but found attribute 's'",
        "r=clisrv,s=c2F*dA==,i=4096     | malformed SCRAM server-first-message: attribute 's' (salt) is not valid base64",
        "r=clisrv,s=,i=4096             | malformed SCRAM server-first-message: the salt is empty",
        "r=clisrv,s=c2FsdA==,i=0        | malformed SCRAM server-first-message: the iteration count must be a whole number from 1 to 2147483647",
        "r=clisrv,s=c2FsdA==,i=-1       | malformed SCRAM server-first-message: the iteration count must be a whole number from 1 to 2147483647",
        "r=clisrv,s=c2FsdA==,i=+1       | malformed SCRAM server-first-message: the iteration count must be a whole number from 1 to 2147483647",
        "r=clisrv,s=c2FsdA==,i=         | malformed SCRAM server-first-message: the iteration count must be a whole number from 1 to 2147483647",
        "r=clisrv,s=c2FsdA==,i=2147483648 | malformed SCRAM server-first-message: the iteration count must be a whole number from 1 to 2147483647",
        "r=clisrv,s=c2FsdA==,i=99999999999 | malformed SCRAM server-first-message: the iteration count must be a whole number from 1 to 2147483647",
        "r=clisrv,s=c2FsdA==,i=4x       | malformed SCRAM server-first-message: the iteration count must be a whole number from 1 to 2147483647",
        "m=ext,r=clisrv,s=c2FsdA==,i=1  | the server requires a SCRAM extension that is not supported",
        "r=clisrv,s=c2FsdA==,i=1,,      | malformed SCRAM server-first-message: expected an attribute of the form 'x=value' but found something else",
    })
    void clientRejectsMalformedServerFirst(String message, String expected) {
        ScramClient client = new ScramClient("pw", "cli");
        client.clientFirstMessage();

        ScramException e = assertThrows(ScramException.class, () -> client.clientFinalMessage(bytes(message)));
        assertEquals(expected, e.getMessage());
    }

    @Test
    void clientIgnoresExtensionsAfterTheIterationCount() throws ScramException {
        ScramClient client = new ScramClient("pw", "cli");
        client.clientFirstMessage();

        client.clientFinalMessage(bytes("r=clisrv,s=c2FsdA==,i=1,x=ext"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "v=", "v=not*base64", "x=abc", "garbage"})
    void clientRejectsMalformedServerFinal(String message) throws ScramException {
        ScramClient client = new ScramClient("pw", "cli");
        client.clientFirstMessage();
        client.clientFinalMessage(bytes("r=clisrv,s=c2FsdA==,i=1"));

        assertThrows(ScramException.class, () -> client.verifyServerFinal(bytes(message)));
    }
}
