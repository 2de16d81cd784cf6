package io.pgmux.protocol.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * SCRAM-SHA-256-PLUS from pgmux's side (RFC 5802 section 7): the GS2 header opens the client-first
 * message and, with the binding data, makes its {@code c=} attribute, which the proof covers.
 */
class ScramClientChannelBindingTest {
    private static final String NONCE = "rOprNGfwEbeRWgbNEkqO";
    private static final String SERVER_FIRST =
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private static final byte[] END_POINT = {1, 2, 3, (byte) 0xfe, (byte) 0xff};

    @Test
    void tlsServerEndPointSendsItsHeaderAndTheCertificateHashInC() throws ScramException {
        ScramClient client = new ScramClient("", "pencil", NONCE, ScramClient.TLS_SERVER_END_POINT, END_POINT);

        assertEquals("p=tls-server-end-point,,n=,r=" + NONCE, text(client.clientFirstMessage()));
        String clientFinal = text(client.clientFinalMessage(SERVER_FIRST.getBytes(StandardCharsets.UTF_8)));

        String c = clientFinal.substring(2, clientFinal.indexOf(','));
        byte[] expected = new byte[24 + END_POINT.length];
        System.arraycopy("p=tls-server-end-point,,".getBytes(StandardCharsets.US_ASCII), 0, expected, 0, 24);
        System.arraycopy(END_POINT, 0, expected, 24, END_POINT.length);
        assertArrayEquals(expected, Base64.getDecoder().decode(c));
        assertTrue(clientFinal.contains(",p="), clientFinal);
    }

    @Test
    void aClientThatCouldBindButWasNotOfferedSaysYAndBindsNothing() throws ScramException {
        ScramClient client = new ScramClient("", "pencil", NONCE, ScramClient.CHANNEL_BINDING_NOT_OFFERED, null);

        assertEquals("y,,n=,r=" + NONCE, text(client.clientFirstMessage()));
        assertTrue(text(client.clientFinalMessage(SERVER_FIRST.getBytes(StandardCharsets.UTF_8))).startsWith("c=eSws,r="));
    }

    @Test
    void withoutBindingTheMessagesAreTheUsualOnes() throws ScramException {
        ScramClient client = ScramClient.withChannelBinding("pencil", ScramClient.NO_CHANNEL_BINDING, null);

        assertTrue(text(client.clientFirstMessage()).startsWith("n,,n=,r="));
    }

    @Test
    void bindingDataGoesWithAPHeaderOnly() {
        assertThrows(IllegalArgumentException.class,
                () -> new ScramClient("", "pencil", NONCE, ScramClient.TLS_SERVER_END_POINT, null));
        assertThrows(IllegalArgumentException.class,
                () -> new ScramClient("", "pencil", NONCE, ScramClient.NO_CHANNEL_BINDING, END_POINT));
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
