package io.pgmux.protocol.auth;

import io.pgmux.testkit.Bounded;
import io.pgmux.testkit.FuzzFrames;
import io.pgmux.testkit.Mutations;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The SCRAM parsers take valid, mutated and random messages: the server's side of a login
 * (client-first, then client-final) returns or throws ScramException, never anything else, and a
 * client-final-message that was changed is never accepted; the client's side parses server
 * messages the same way; a stored secret that is not one is refused with IllegalArgumentException.
 */
class ScramParsersFuzzTest {
    private static final int TRIES = 3_000;
    private static final String PASSWORD = "pencil";
    private static final ScramSecret SECRET = ScramSecret.fromPassword(PASSWORD, "sixteen byte slt".getBytes(StandardCharsets.US_ASCII), 1);
    private static final String CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";
    private static final String SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";

    @Property(tries = TRIES)
    void serverReadsAnyClientFirstMessage(@ForAll("clientFirstMessages") byte[] message) throws Exception {
        ScramServer server = new ScramServer(SECRET, SERVER_NONCE);
        try {
            Bounded.call(FuzzFrames.TIME_LIMIT_MILLIS, () -> server.serverFirstMessage(message));
        } catch (ScramException refused) {
            // documented
        }
    }

    @Property(tries = TRIES)
    void serverAcceptsOnlyTheRightClientFinalMessage(@ForAll("clientFinalMessages") byte[] message) throws Exception {
        ScramServer server = new ScramServer(SECRET, SERVER_NONCE);
        server.serverFirstMessage(utf8("n,,n=,r=" + CLIENT_NONCE));
        try {
            Bounded.call(FuzzFrames.TIME_LIMIT_MILLIS, () -> server.serverFinalMessage(message));
            assertArrayEquals(validClientFinal(), message, "accepted a client-final-message other than the valid one");
        } catch (ScramException refused) {
            assertThrows(IllegalStateException.class, server::clientKey);
        }
    }

    @Property(tries = TRIES)
    void clientReadsAnyServerMessage(@ForAll("serverMessages") byte[] message) throws Exception {
        try {
            Bounded.call(FuzzFrames.TIME_LIMIT_MILLIS, () -> ServerFirstMessage.parse(message));
        } catch (ScramException refused) {
            // documented
        }
        try {
            Bounded.call(FuzzFrames.TIME_LIMIT_MILLIS, () -> ServerFinalMessage.parse(message));
        } catch (ScramException refused) {
            // documented
        }
    }

    @Property(tries = TRIES)
    void storedSecretsParseOrAreRefused(@ForAll("secrets") byte[] text) throws Exception {
        String secret = new String(text, StandardCharsets.UTF_8);
        try {
            Bounded.call(FuzzFrames.TIME_LIMIT_MILLIS, () -> ScramSecret.parse(secret));
        } catch (IllegalArgumentException refused) {
            // documented
        }
        Bounded.call(FuzzFrames.TIME_LIMIT_MILLIS, () -> ScramSecret.isSecret(secret));
    }

    @Provide
    Arbitrary<byte[]> clientFirstMessages() {
        return Mutations.of(List.of(
                utf8("n,,n=,r=" + CLIENT_NONCE),
                utf8("y,,n=user,r=" + CLIENT_NONCE + ",x=ext"),
                utf8("p=tls-server-end-point,,n=,r=abc")));
    }

    @Provide
    Arbitrary<byte[]> clientFinalMessages() throws ScramException {
        return Arbitraries.oneOf(Mutations.of(List.of(validClientFinal())), Arbitraries.just(validClientFinal()));
    }

    @Provide
    Arbitrary<byte[]> serverMessages() {
        return Mutations.of(List.of(
                utf8("r=" + CLIENT_NONCE + SERVER_NONCE + ",s=QSXCR+Q6sek8bf92,i=4096"),
                utf8("r=abc,s=QSXCR+Q6sek8bf92,i=4096,x=ext"),
                utf8("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="),
                utf8("e=invalid-proof")));
    }

    @Provide
    Arbitrary<byte[]> secrets() {
        return Mutations.of(List.of(utf8(SECRET.encode())));
    }

    /** The client-final-message of a client that knows the password, in the exchange the properties set up. */
    private static byte[] validClientFinal() throws ScramException {
        ScramClient client = new ScramClient(PASSWORD, CLIENT_NONCE);
        client.clientFirstMessage();
        byte[] serverFirst = new ScramServer(SECRET, SERVER_NONCE).serverFirstMessage(utf8("n,,n=,r=" + CLIENT_NONCE));
        return client.clientFinalMessage(serverFirst);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
