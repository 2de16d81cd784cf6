package io.pgmux.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * pgmux logging into a PostgreSQL server with SCRAM-SHA-256, with or without channel binding
 * (SCRAM-SHA-256-PLUS: see {@link #withChannelBinding}).
 *
 * <pre>
 *   Initial --clientFirstMessage()--&gt; AwaitingServerFirst --clientFinalMessage(..)--&gt;
 *   AwaitingServerFinal --verifyServerFinal(..)--&gt; Verified
 *   (any ScramException leaves it Failed; a call in the wrong state throws IllegalStateException)
 * </pre>
 *
 * <p>It proves itself with a password or, passing a client of pgmux through, with the ClientKey that
 * client proved it has ({@link #withClientKey}).
 *
 * <p>One instance per login; not thread-safe. The user name in the SCRAM messages is empty, as
 * libpq sends it: Postgres takes the user from the startup message.
 */
public final class ScramClient {

    /** The GS2 header of a client without channel binding. */
    public static final String NO_CHANNEL_BINDING = "n,,";
    /** The GS2 header of a client that could bind but was not offered SCRAM-SHA-256-PLUS (RFC 5802's "y"). */
    public static final String CHANNEL_BINDING_NOT_OFFERED = "y,,";
    /** The GS2 header of SCRAM-SHA-256-PLUS with Postgres's binding type. */
    public static final String TLS_SERVER_END_POINT = "p=tls-server-end-point,,";

    private sealed interface State {
    }

    private record Initial() implements State {
    }

    private record AwaitingServerFirst() implements State {
    }

    private record AwaitingServerFinal(byte[] expectedServerSignature) implements State {
    }

    private record Verified() implements State {
    }

    private record Failed() implements State {
    }

    /** Null when the client logs in with {@link #keys} instead of a password. */
    private final byte[] preparedPassword;
    /** The secret and ClientKey of a pass-through login, or null with a password. */
    private final PassThrough keys;
    private final String clientNonce;
    private final String clientFirstBare;
    private final String gs2Header;
    /** {@code c=}: the GS2 header and, for "p=", the binding data, in base64. */
    private final String channelBinding;
    private State state = new Initial();

    private record PassThrough(ScramSecret secret, byte[] clientKey) {
    }

    /** A client with a fresh random nonce, without channel binding. */
    public ScramClient(String password) {
        this("", password, ScramNonce.random());
    }

    /**
     * A client with a fresh random nonce that sends {@code gs2Header}: {@link #TLS_SERVER_END_POINT}
     * with {@code bindingData} (the hash of the server's certificate), or
     * {@link #CHANNEL_BINDING_NOT_OFFERED} / {@link #NO_CHANNEL_BINDING} with null.
     */
    public static ScramClient withChannelBinding(String password, String gs2Header, byte[] bindingData) {
        return new ScramClient("", password, ScramNonce.random(), gs2Header, bindingData);
    }

    /**
     * A client that knows no password but the ClientKey a client of pgmux proved it has (see
     * {@link ScramServer#clientKey()}) and the secret it proved it against: it can log in to a
     * server that stores that same secret, which must offer the secret's salt and iterations.
     * {@code gs2Header} and {@code bindingData} as for {@link #withChannelBinding}.
     */
    public static ScramClient withClientKey(ScramSecret secret, byte[] clientKey, String gs2Header, byte[] bindingData) {
        return new ScramClient("", null, new PassThrough(Objects.requireNonNull(secret, "secret"), clientKey.clone()),
                ScramNonce.random(), gs2Header, bindingData);
    }

    /** {@link #withClientKey(ScramSecret, byte[], String, byte[])} without channel binding. */
    public static ScramClient withClientKey(ScramSecret secret, byte[] clientKey) {
        return withClientKey(secret, clientKey, NO_CHANNEL_BINDING, null);
    }

    /** For tests: a fixed nonce. */
    ScramClient(String password, String clientNonce) {
        this("", password, clientNonce);
    }

    /** For tests: a fixed nonce and a SCRAM user name, as in the RFC 7677 example. */
    ScramClient(String user, String password, String clientNonce) {
        this(user, password, clientNonce, NO_CHANNEL_BINDING, null);
    }

    /** For tests: a fixed nonce and channel binding. */
    ScramClient(String user, String password, String clientNonce, String gs2Header, byte[] bindingData) {
        this(user, SaslPrep.prepare(Objects.requireNonNull(password, "password")), null, clientNonce, gs2Header, bindingData);
    }

    private ScramClient(String user, byte[] preparedPassword, PassThrough keys, String clientNonce, String gs2Header,
            byte[] bindingData) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(gs2Header, "gs2Header");
        if (gs2Header.startsWith("p=") != (bindingData != null)) {
            throw new IllegalArgumentException("binding data goes with a \"p=\" GS2 header, and only with it");
        }
        this.preparedPassword = preparedPassword;
        this.keys = keys;
        this.clientNonce = ScramNonce.requireValid(clientNonce);
        this.clientFirstBare = "n=" + saslName(user) + ",r=" + clientNonce;
        this.gs2Header = gs2Header;
        byte[] header = gs2Header.getBytes(StandardCharsets.US_ASCII);
        byte[] input = bindingData == null ? header : Arrays.copyOf(header, header.length + bindingData.length);
        if (bindingData != null) {
            System.arraycopy(bindingData, 0, input, header.length, bindingData.length);
        }
        this.channelBinding = Base64.getEncoder().encodeToString(input);
    }

    /** {@code n,,n=,r=<nonce>} (with its GS2 header): the data of the SASLInitialResponse. */
    public byte[] clientFirstMessage() {
        expect(Initial.class, "clientFirstMessage");
        state = new AwaitingServerFirst();
        return utf8(gs2Header + clientFirstBare);
    }

    /**
     * {@code c=biws,r=<nonce>,p=<proof>}: the answer to the server-first-message (the data of
     * AuthenticationSASLContinue).
     *
     * @throws ScramException if the message is malformed, its nonce does not extend ours, or its
     *     iteration count is below 1; for a pass-through client, if the server's salt or
     *     iterations are not the secret's (the password changed on the server)
     */
    public byte[] clientFinalMessage(byte[] serverFirstMessage) throws ScramException {
        expect(AwaitingServerFirst.class, "clientFinalMessage");
        state = new Failed();
        ServerFirstMessage serverFirst = ServerFirstMessage.parse(serverFirstMessage);
        if (!serverFirst.nonce().startsWith(clientNonce)
                || serverFirst.nonce().length() == clientNonce.length()) {
            throw new ScramException("the server's SCRAM nonce does not extend the client's nonce");
        }

        byte[] clientKey;
        byte[] serverKey;
        if (keys != null) {
            ScramSecret secret = keys.secret();
            if (secret.iterations() != serverFirst.iterations() || !Arrays.equals(secret.salt(), serverFirst.salt())) {
                throw new ScramException("the server's SCRAM salt or iteration count is not that of the secret the client"
                        + " proved itself against (the password changed on the server?)");
            }
            clientKey = keys.clientKey();
            serverKey = secret.serverKey();
        } else {
            byte[] saltedPassword = ScramCrypto.saltedPassword(
                    preparedPassword, serverFirst.salt(), serverFirst.iterations());
            Arrays.fill(preparedPassword, (byte) 0); // not needed again: one login per instance
            clientKey = ScramCrypto.clientKey(saltedPassword);
            serverKey = ScramCrypto.serverKey(saltedPassword);
        }
        String withoutProof = "c=" + channelBinding + ",r=" + serverFirst.nonce();
        String authMessage = clientFirstBare + ',' + serverFirst.text() + ',' + withoutProof;

        byte[] clientSignature = ScramCrypto.hmac(ScramCrypto.sha256(clientKey), authMessage);
        byte[] proof = ScramCrypto.xor(clientKey, clientSignature);
        byte[] serverSignature = ScramCrypto.hmac(serverKey, authMessage);

        state = new AwaitingServerFinal(serverSignature);
        return utf8(withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof));
    }

    /**
     * Checks the server-final-message (the data of AuthenticationSASLFinal): the server must
     * prove it knows the password too.
     *
     * @throws ScramException on {@code e=...}, a malformed message, or a wrong server signature
     */
    public void verifyServerFinal(byte[] serverFinalMessage) throws ScramException {
        AwaitingServerFinal awaiting = expect(AwaitingServerFinal.class, "verifyServerFinal");
        state = new Failed();
        ServerFinalMessage serverFinal = ServerFinalMessage.parse(serverFinalMessage);
        if (!MessageDigest.isEqual(awaiting.expectedServerSignature(), serverFinal.serverSignature())) {
            throw new ScramException("the server's SCRAM signature is wrong: it does not know this"
                    + " user's password (wrong server, or someone in between)");
        }
        state = new Verified();
    }

    private <S extends State> S expect(Class<S> expected, String call) {
        if (!expected.isInstance(state)) {
            throw new IllegalStateException(call + "() called while the SCRAM client is in state "
                    + state.getClass().getSimpleName());
        }
        return expected.cast(state);
    }

    /** RFC 5802 {@code saslname}: ',' and '=' escaped. */
    private static String saslName(String user) {
        return user.replace("=", "=3D").replace(",", "=2C");
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
