package io.pgmux.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Objects;

/**
 * pgmux authenticating a client with SCRAM-SHA-256 against a stored {@link ScramSecret}.
 *
 * <pre>
 *   AwaitingClientFirst --serverFirstMessage(..)--&gt; AwaitingClientFinal
 *   --serverFinalMessage(..)--&gt; Authenticated (clientKey() available)
 *   (any ScramException leaves it Failed; a call in the wrong state throws IllegalStateException)
 * </pre>
 *
 * <p>Only {@link #MECHANISM} is offered, never {@code -PLUS}, so a client may send the GS2 header
 * {@code n,,} or {@code y,,} but not {@code p=...}. For a user that does not exist, use
 * {@link ScramSecret#mock}: the exchange then fails at the proof like a wrong password. One
 * instance per login; not thread-safe.
 */
public final class ScramServer {

    /** The SASL mechanism name to list in AuthenticationSASL. */
    public static final String MECHANISM = "SCRAM-SHA-256";

    private sealed interface State {
    }

    private record AwaitingClientFirst() implements State {
    }

    /**
     * @param channelBinding the {@code c=} value the client-final-message must carry
     * @param authMessagePrefix client-first-message-bare + "," + server-first-message
     */
    private record AwaitingClientFinal(String channelBinding, String nonce, String authMessagePrefix)
            implements State {
    }

    private record Authenticated(byte[] clientKey) implements State {
    }

    private record Failed() implements State {
    }

    private final ScramSecret secret;
    private final String serverNonce;
    private State state = new AwaitingClientFirst();

    /** A server with a fresh random nonce. */
    public ScramServer(ScramSecret secret) {
        this(secret, ScramNonce.random());
    }

    /** For tests: a fixed server nonce, appended to the client's. */
    ScramServer(ScramSecret secret, String serverNonce) {
        this.secret = Objects.requireNonNull(secret, "secret");
        this.serverNonce = ScramNonce.requireValid(serverNonce);
    }

    /**
     * {@code r=<client nonce + server nonce>,s=<salt>,i=<iterations>}: the answer to the
     * SASLInitialResponse, to send in AuthenticationSASLContinue.
     *
     * @throws ScramException if the client-first-message is malformed or asks for something not
     *     supported (channel binding, an authorization identity, a mandatory extension)
     */
    public byte[] serverFirstMessage(byte[] clientFirstMessage) throws ScramException {
        expect(AwaitingClientFirst.class, "serverFirstMessage");
        state = new Failed();
        ClientFirstMessage clientFirst = ClientFirstMessage.parse(clientFirstMessage);
        String nonce = clientFirst.nonce() + serverNonce;
        String serverFirst = "r=" + nonce
                + ",s=" + Base64.getEncoder().encodeToString(secret.salt())
                + ",i=" + secret.iterations();
        String channelBinding = Base64.getEncoder().encodeToString(
                clientFirst.gs2Header().getBytes(StandardCharsets.UTF_8));
        state = new AwaitingClientFinal(channelBinding, nonce, clientFirst.bare() + ',' + serverFirst);
        return serverFirst.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * {@code v=<ServerSignature>}: sent in AuthenticationSASLFinal once the client has proved it
     * knows the password.
     *
     * @throws ScramException if the message is malformed, its channel binding or nonce is not
     *     the one agreed, or the proof is wrong (wrong password, or an unknown user)
     */
    public byte[] serverFinalMessage(byte[] clientFinalMessage) throws ScramException {
        AwaitingClientFinal awaiting = expect(AwaitingClientFinal.class, "serverFinalMessage");
        state = new Failed();
        ClientFinalMessage clientFinal = ClientFinalMessage.parse(clientFinalMessage);
        if (!clientFinal.channelBinding().equals(awaiting.channelBinding())) {
            throw new ScramException("the SCRAM channel binding in the client-final-message does not"
                    + " match the GS2 header of the client-first-message");
        }
        if (!clientFinal.nonce().equals(awaiting.nonce())) {
            throw new ScramException("the SCRAM nonce in the client-final-message is not the one"
                    + " the server sent");
        }

        String authMessage = awaiting.authMessagePrefix() + ',' + clientFinal.withoutProof();
        byte[] storedKey = secret.storedKey();
        byte[] clientSignature = ScramCrypto.hmac(storedKey, authMessage);
        byte[] clientKey = ScramCrypto.xor(clientFinal.proof(), clientSignature);
        if (!MessageDigest.isEqual(ScramCrypto.sha256(clientKey), storedKey)) {
            throw new ScramException("password authentication failed: the SCRAM client proof is wrong");
        }

        state = new Authenticated(clientKey);
        byte[] serverSignature = ScramCrypto.hmac(secret.serverKey(), authMessage);
        return ("v=" + Base64.getEncoder().encodeToString(serverSignature))
                .getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The client's ClientKey (ClientProof XOR ClientSignature), which lets pgmux log into servers
     * that store the same secret as the client. Only after a successful exchange.
     */
    public byte[] clientKey() {
        return expect(Authenticated.class, "clientKey").clientKey().clone();
    }

    private <S extends State> S expect(Class<S> expected, String call) {
        if (!expected.isInstance(state)) {
            throw new IllegalStateException(call + "() called while the SCRAM server is in state "
                    + state.getClass().getSimpleName());
        }
        return expected.cast(state);
    }
}
