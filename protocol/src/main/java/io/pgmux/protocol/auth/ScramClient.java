package io.pgmux.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * pgmux logging into a PostgreSQL server with SCRAM-SHA-256, without channel binding.
 *
 * <pre>
 *   Initial --clientFirstMessage()--&gt; AwaitingServerFirst --clientFinalMessage(..)--&gt;
 *   AwaitingServerFinal --verifyServerFinal(..)--&gt; Verified
 *   (any ScramException leaves it Failed; a call in the wrong state throws IllegalStateException)
 * </pre>
 *
 * <p>One instance per login; not thread-safe. The user name in the SCRAM messages is empty, as
 * libpq sends it: Postgres takes the user from the startup message.
 */
public final class ScramClient {

    private static final String GS2_HEADER = "n,,";
    private static final String CHANNEL_BINDING =
            Base64.getEncoder().encodeToString(GS2_HEADER.getBytes(StandardCharsets.US_ASCII));

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
    private State state = new Initial();

    private record PassThrough(ScramSecret secret, byte[] clientKey) {
    }

    /** A client with a fresh random nonce. */
    public ScramClient(String password) {
        this("", password, ScramNonce.random());
    }

    /**
     * A client that knows no password but the ClientKey a client of pgmux proved it has (see
     * {@link ScramServer#clientKey()}) and the secret it proved it against: it can log in to a
     * server that stores that same secret, which must offer the secret's salt and iterations.
     */
    public static ScramClient withClientKey(ScramSecret secret, byte[] clientKey) {
        return new ScramClient(new PassThrough(Objects.requireNonNull(secret, "secret"), clientKey.clone()), ScramNonce.random());
    }

    private ScramClient(PassThrough keys, String clientNonce) {
        this.preparedPassword = null;
        this.keys = keys;
        this.clientNonce = ScramNonce.requireValid(clientNonce);
        this.clientFirstBare = "n=,r=" + clientNonce;
    }

    /** For tests: a fixed nonce. */
    ScramClient(String password, String clientNonce) {
        this("", password, clientNonce);
    }

    /** For tests: a fixed nonce and a SCRAM user name, as in the RFC 7677 example. */
    ScramClient(String user, String password, String clientNonce) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        this.preparedPassword = SaslPrep.prepare(password);
        this.keys = null;
        this.clientNonce = ScramNonce.requireValid(clientNonce);
        this.clientFirstBare = "n=" + saslName(user) + ",r=" + clientNonce;
    }

    /** {@code n,,n=,r=<nonce>}: the data of the SASLInitialResponse. */
    public byte[] clientFirstMessage() {
        expect(Initial.class, "clientFirstMessage");
        state = new AwaitingServerFirst();
        return utf8(GS2_HEADER + clientFirstBare);
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
        String withoutProof = "c=" + CHANNEL_BINDING + ",r=" + serverFirst.nonce();
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
