package io.pgmux.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
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
 * <p>Without channel binding data only {@link #MECHANISM} is offered, so a client may send the GS2
 * header {@code n,,} or {@code y,,} but not {@code p=...}. With it (a TLS connection, the hash of
 * pgmux's certificate: {@code tls-server-end-point}), {@link #MECHANISM_PLUS} is offered too: a
 * client that selects it must bind to that data ({@code p=tls-server-end-point}), and a client that
 * says {@code y} (it could bind, but thinks the server cannot) is refused, as Postgres does, since
 * that means someone removed {@code -PLUS} from the list on its way. For a user that does not exist, use
 * {@link ScramSecret#mock}: the exchange then fails at the proof like a wrong password. One
 * instance per login; not thread-safe.
 */
public final class ScramServer {

    /** The SASL mechanism name to list in AuthenticationSASL. */
    public static final String MECHANISM = "SCRAM-SHA-256";
    /** The mechanism with channel binding, offered on TLS connections. */
    public static final String MECHANISM_PLUS = "SCRAM-SHA-256-PLUS";
    /** The one channel binding type offered (RFC 5929), as Postgres. */
    public static final String TLS_SERVER_END_POINT = "tls-server-end-point";

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
    /** The tls-server-end-point data; null when channel binding is not offered. */
    private final byte[] channelBindingData;
    private State state = new AwaitingClientFirst();

    /** A server with a fresh random nonce. */
    public ScramServer(ScramSecret secret) {
        this(secret, (byte[]) null);
    }

    /** A server that offers {@link #MECHANISM_PLUS} with {@code tlsServerEndPoint} (null: it does not). */
    public ScramServer(ScramSecret secret, byte[] tlsServerEndPoint) {
        this(secret, ScramNonce.random(), tlsServerEndPoint);
    }

    /** For tests: a fixed server nonce, appended to the client's. */
    ScramServer(ScramSecret secret, String serverNonce) {
        this(secret, serverNonce, null);
    }

    ScramServer(ScramSecret secret, String serverNonce, byte[] tlsServerEndPoint) {
        this.secret = Objects.requireNonNull(secret, "secret");
        this.serverNonce = ScramNonce.requireValid(serverNonce);
        this.channelBindingData = tlsServerEndPoint == null ? null : tlsServerEndPoint.clone();
    }

    /** The mechanisms to list in AuthenticationSASL: {@code -PLUS} first when channel binding is offered. */
    public static List<String> mechanisms(boolean channelBinding) {
        return channelBinding ? List.of(MECHANISM_PLUS, MECHANISM) : List.of(MECHANISM);
    }

    /**
     * {@code r=<client nonce + server nonce>,s=<salt>,i=<iterations>}: the answer to the
     * SASLInitialResponse, to send in AuthenticationSASLContinue.
     *
     * @throws ScramException if the client-first-message is malformed or asks for something not
     *     supported (channel binding, an authorization identity, a mandatory extension)
     */
    public byte[] serverFirstMessage(byte[] clientFirstMessage) throws ScramException {
        return serverFirstMessage(clientFirstMessage, MECHANISM);
    }

    /**
     * As {@link #serverFirstMessage(byte[])}, for the mechanism the client selected
     * ({@link #MECHANISM} or, when offered, {@link #MECHANISM_PLUS}).
     *
     * @throws ScramException also when the GS2 header does not fit the mechanism and what was offered
     */
    public byte[] serverFirstMessage(byte[] clientFirstMessage, String mechanism) throws ScramException {
        expect(AwaitingClientFirst.class, "serverFirstMessage");
        state = new Failed();
        ClientFirstMessage clientFirst = ClientFirstMessage.parse(clientFirstMessage);
        byte[] boundData = checkChannelBinding(clientFirst, MECHANISM_PLUS.equals(mechanism));
        String nonce = clientFirst.nonce() + serverNonce;
        String serverFirst = "r=" + nonce
                + ",s=" + Base64.getEncoder().encodeToString(secret.salt())
                + ",i=" + secret.iterations();
        byte[] header = clientFirst.gs2Header().getBytes(StandardCharsets.UTF_8);
        byte[] binding = new byte[header.length + boundData.length];
        System.arraycopy(header, 0, binding, 0, header.length);
        System.arraycopy(boundData, 0, binding, header.length, boundData.length);
        String channelBinding = Base64.getEncoder().encodeToString(binding);
        state = new AwaitingClientFinal(channelBinding, nonce, clientFirst.bare() + ',' + serverFirst);
        return serverFirst.getBytes(StandardCharsets.UTF_8);
    }

    /** The data the client must bind to (empty without binding), or why its GS2 header is refused. */
    private byte[] checkChannelBinding(ClientFirstMessage clientFirst, boolean plus) throws ScramException {
        String type = clientFirst.channelBindingType();
        if (plus) {
            if (channelBindingData == null) {
                throw ScramException.malformed("the client selected " + MECHANISM_PLUS + ", which was not offered");
            }
            if (type == null) {
                throw ScramException.malformed("the client selected " + MECHANISM_PLUS + " without channel binding in its GS2 header");
            }
            if (!TLS_SERVER_END_POINT.equals(type)) {
                throw ScramException.malformed("unsupported SCRAM channel-binding type \"" + type + "\"");
            }
            return channelBindingData;
        }
        if (type != null) {
            throw new ScramException("the client asked for channel binding (" + MECHANISM_PLUS + "),"
                    + (channelBindingData == null ? " but only " + MECHANISM + " is offered" : " but selected " + MECHANISM));
        }
        if (clientFirst.gs2Header().startsWith("y") && channelBindingData != null) {
            throw ScramException.malformed("SCRAM channel binding negotiation error: the client supports channel binding"
                    + " but thinks the server does not, while this server does support it");
        }
        return new byte[0];
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
