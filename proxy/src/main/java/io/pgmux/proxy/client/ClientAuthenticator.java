package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.auth.Md5Password;
import io.pgmux.protocol.auth.ScramException;
import io.pgmux.protocol.auth.ScramSecret;
import io.pgmux.protocol.auth.ScramServer;
import io.pgmux.protocol.message.AuthenticationRequest;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.PasswordMessage;
import io.pgmux.protocol.message.SaslInitialResponse;
import io.pgmux.protocol.message.SaslResponse;
import io.pgmux.protocol.message.WireMessage;
import io.pgmux.proxy.auth.RoleSecret;
import io.pgmux.proxy.backend.PassThrough;
import io.pgmux.proxy.config.AuthMethod;
import io.pgmux.proxy.util.ClientText;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;

/**
 * Checks a client's password with the configured method. Like Postgres: an unknown user goes
 * through the same exchange and fails with the same message as a wrong password, and {@code md5}
 * falls back to SCRAM for a user whose only secret is a SCRAM one. On a TLS connection whose
 * certificate has a {@code tls-server-end-point} hash, SCRAM-SHA-256-PLUS is offered as well.
 */
final class ClientAuthenticator {
    private static final SecureRandom RANDOM = new SecureRandom();

    sealed interface Step permits Send, Success, Failure {}

    /** Send this request and wait for the client's next password message. */
    record Send(WireMessage message) implements Step {}

    /**
     * Authenticated; {@code finalMessage} (may be null) goes out before AuthenticationOk.
     * {@code passThrough} (may be null) is what the client proved, with which pgmux can log in as it.
     */
    record Success(WireMessage finalMessage, PassThrough passThrough) implements Step {}

    /** {@code reason} is for the log only: the client learns no more than Postgres would tell it. */
    record Failure(ErrorResponse error, String reason) implements Step {}

    private enum Phase { NOT_STARTED, CLEARTEXT, MD5, SCRAM_FIRST, SCRAM_FINAL, DONE }

    private final String user;
    private ClientCredentials.Entry entry;
    private final ClientCredentials credentials;
    private AuthMethod method;
    private Phase phase = Phase.NOT_STARTED;
    private byte[] md5Salt;
    private ScramServer scram;
    /** trust_users does not list the user: trust admits it only if auth_query finds it. */
    private boolean trustOnlyIfFound;
    /** auth_query returned a row for the user (with or without a secret). */
    private boolean foundByLookup;
    /** tls-server-end-point data of this connection; null on a plain one (no -PLUS offered). */
    private final byte[] channelBinding;

    /**
     * The method is decided later ({@link #useMethod}): by {@code client_auth}, or by the HBA rule that admits the client.
     * {@code channelBinding}: the connection's tls-server-end-point data, null on a plain one (no -PLUS offered).
     */
    ClientAuthenticator(String user, ClientCredentials credentials, byte[] channelBinding) {
        this.channelBinding = channelBinding;
        this.user = user;
        this.credentials = credentials;
        this.entry = credentials.lookup(user);
    }

    void useMethod(AuthMethod method) {
        this.method = method;
    }

    /** How the client proves itself ({@code trust} included); null until decided. */
    AuthMethod method() {
        return method;
    }

    /**
     * {@code trust_users} does not list the user: {@code trust} admits it only if auth_query finds it
     * (PgBouncer's trust, which admits only the users it knows). A password under {@code users} does not count.
     */
    void trustOnlyIfFound() {
        trustOnlyIfFound = true;
        entry = null;
    }

    /** Whether the user's secret must be looked up ({@code auth_query}) before {@link #start()}. */
    boolean needsLookup() {
        return entry == null && (method != AuthMethod.TRUST || trustOnlyIfFound);
    }

    /**
     * What {@code auth_query} found (or not): the exchange checks the client against its secret; under
     * {@code trust} a role it found gets in, with or without a password (PgBouncer's trust does too).
     */
    void useLookedUp(RoleSecret looked) {
        entry = ClientCredentials.entryOf(user, looked.secret());
        foundByLookup = looked.found();
    }

    Step start() {
        switch (method) {
            case TRUST:
                phase = Phase.DONE;
                if (trustOnlyIfFound && entry == null && !foundByLookup) {
                    return new Failure(ErrorResponse.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                            "\"trust\" authentication failed for user \"" + ClientText.name(user) + "\""),
                            "trust_users does not list the user and auth_query did not find it");
                }
                return new Success(null, null);
            case PASSWORD:
                phase = Phase.CLEARTEXT;
                return new Send(AuthenticationRequest.cleartextPassword());
            case MD5:
                if (entry != null && entry.md5Secret() == null && entry.scramSecret() != null) {
                    return startScram();
                }
                phase = Phase.MD5;
                md5Salt = new byte[4];
                RANDOM.nextBytes(md5Salt);
                return new Send(AuthenticationRequest.md5Password(md5Salt));
            case SCRAM_SHA_256:
                return startScram();
            default:
                throw new IllegalStateException("unknown auth method " + method);
        }
    }

    /** Whether the exchange has ended (with a success or a failure): no password message is read any more. */
    boolean finished() {
        return phase == Phase.DONE;
    }

    Step onPasswordFrame(ByteBuf frame) {
        try {
            switch (phase) {
                case CLEARTEXT:
                    return checkCleartext(PasswordMessage.decode(frame).password());
                case MD5:
                    return checkMd5(PasswordMessage.decode(frame).password());
                case SCRAM_FIRST:
                    return scramFirst(SaslInitialResponse.decode(frame));
                case SCRAM_FINAL:
                    return scramFinal(SaslResponse.decode(frame));
                case NOT_STARTED:
                    phase = Phase.DONE;
                    return new Failure(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION,
                            "password message sent before the server asked for authentication"), "early password message");
                default:
                    throw new IllegalStateException("authentication already finished");
            }
        } catch (ScramException e) {
            if (e.isMalformed()) {
                // as Postgres: a message that breaks the SCRAM grammar is a protocol violation, not a wrong password
                phase = Phase.DONE;
                return new Failure(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "malformed SCRAM message")
                        .withDetail(ClientText.text(e.getMessage())), "SCRAM exchange failed: " + e.getMessage());
            }
            return failed("SCRAM exchange failed: " + e.getMessage());
        }
    }

    private Step startScram() {
        phase = Phase.SCRAM_FIRST;
        return new Send(AuthenticationRequest.sasl(ScramServer.mechanisms(channelBinding != null)));
    }

    private Step checkCleartext(String password) {
        phase = Phase.DONE;
        if (entry == null) {
            return failed("no password configured for this user");
        }
        boolean ok;
        if (entry.plaintext() != null) {
            ok = MessageDigest.isEqual(entry.plaintext().getBytes(StandardCharsets.UTF_8), password.getBytes(StandardCharsets.UTF_8));
        } else if (entry.md5Secret() != null) {
            ok = MessageDigest.isEqual(entry.md5Secret().getBytes(StandardCharsets.US_ASCII),
                    Md5Password.secret(user, password).getBytes(StandardCharsets.US_ASCII));
        } else {
            ScramSecret stored = entry.scramSecret();
            ok = stored.equals(ScramSecret.fromPassword(password, stored.salt(), stored.iterations()));
        }
        return ok ? new Success(null, PassThrough.password(password)) : failed("wrong password");
    }

    private Step checkMd5(String response) {
        phase = Phase.DONE;
        if (entry == null || entry.md5Secret() == null) {
            return failed(entry == null ? "no password configured for this user" : "md5 needs a plaintext password or an md5 secret");
        }
        return Md5Password.verify(entry.md5Secret(), md5Salt, response)
                ? new Success(null, PassThrough.password(entry.md5Secret())) : failed("wrong password");
    }

    private Step scramFirst(SaslInitialResponse response) throws ScramException {
        boolean plus = channelBinding != null && ScramServer.MECHANISM_PLUS.equals(response.mechanism());
        if (!ScramServer.MECHANISM.equals(response.mechanism()) && !plus) {
            phase = Phase.DONE;
            return new Failure(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION,
                    "client selected an invalid SASL authentication mechanism"), "mechanism " + response.mechanism());
        }
        if (!response.hasInitialResponse()) {
            phase = Phase.DONE;
            return new Failure(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "malformed SCRAM message: no client-first message"),
                    "SASLInitialResponse without data");
        }
        ScramSecret secret = entry != null && entry.scramSecret() != null ? entry.scramSecret() : credentials.mockScramSecret(user);
        scram = new ScramServer(secret, channelBinding);
        phase = Phase.SCRAM_FINAL;
        return new Send(AuthenticationRequest.saslContinue(scram.serverFirstMessage(response.data(), response.mechanism())));
    }

    private Step scramFinal(SaslResponse response) throws ScramException {
        phase = Phase.DONE;
        byte[] serverFinal = scram.serverFinalMessage(response.data());
        if (entry == null || entry.scramSecret() == null) {
            return failed(entry == null ? "no password configured for this user" : "SCRAM needs a plaintext password or a SCRAM secret");
        }
        return new Success(AuthenticationRequest.saslFinal(serverFinal), PassThrough.scram(entry.scramSecret(), scram.clientKey()));
    }

    private Step failed(String reason) {
        phase = Phase.DONE;
        return new Failure(ErrorResponse.fatal(SqlState.INVALID_PASSWORD,
                "password authentication failed for user \"" + ClientText.name(user) + "\""), reason);
    }
}
