package io.pgmux.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.auth.Md5Password;
import io.pgmux.protocol.auth.ScramClient;
import io.pgmux.protocol.auth.ScramException;
import io.pgmux.protocol.auth.ScramSecret;
import io.pgmux.protocol.message.AuthenticationRequest;
import io.pgmux.protocol.message.BackendKeyData;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.ParameterStatus;
import io.pgmux.protocol.message.PasswordMessage;
import io.pgmux.protocol.message.SaslInitialResponse;
import io.pgmux.protocol.message.SaslResponse;
import io.pgmux.protocol.message.StartupMessage;
import io.pgmux.protocol.message.WireMessage;

import io.netty.handler.ssl.SslHandler;
import io.pgmux.proxy.config.ChannelBindingMode;
import io.pgmux.proxy.tls.ChannelBinding;

import javax.net.ssl.SSLPeerUnverifiedException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Logs a new server connection in: StartupMessage, then whatever authentication the server asks
 * for (trust, cleartext, md5, SCRAM-SHA-256, SCRAM-SHA-256-PLUS over TLS as {@code channel_binding}
 * says), collecting its ParameterStatus and BackendKeyData until the first ReadyForQuery. An
 * ErrorResponse from Postgres fails the login as Postgres sent it. Then the target's
 * {@code connect_query}, if any, runs ({@link ConnectQuery}); the login is complete when it has.
 */
final class ServerLogin {
    private static final String SCRAM_SHA_256 = "SCRAM-SHA-256";
    private static final String SCRAM_SHA_256_PLUS = "SCRAM-SHA-256-PLUS";

    private final ServerConnection server;
    private final ServerTarget target;
    private ScramClient scram;
    /** The server's tls-server-end-point hash; null without TLS, or for a certificate that has none. */
    private byte[] endPoint;
    private boolean tls;
    private boolean bound;
    private boolean authenticated;
    private boolean complete;
    /** The connect_query running; null before the login is done, or without one. */
    private ConnectQuery connectQuery;

    ServerLogin(ServerConnection server, ServerTarget target) {
        this.server = server;
        this.target = target;
    }

    /** The connection's TLS, if any (null: plaintext), known before the StartupMessage goes. */
    void useTls(SslHandler handler) {
        if (handler == null) {
            return;
        }
        tls = true;
        try {
            Certificate[] chain = handler.engine().getSession().getPeerCertificates();
            if (chain.length > 0 && chain[0] instanceof X509Certificate certificate) {
                endPoint = ChannelBinding.tlsServerEndPoint(certificate);
            }
        } catch (SSLPeerUnverifiedException e) {
            endPoint = null;
        }
    }

    ByteBuf startupMessage(ByteBufAllocator alloc) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", target.user());
        parameters.put("database", target.database());
        target.startup().forEach(parameters::putIfAbsent);
        return new StartupMessage(Frontend.PROTOCOL_3_0, parameters).encode(alloc);
    }

    /**
     * Handles one frame of the login. Returns the answer to send (or null), and sets
     * {@link #isComplete()} once the server is ready for queries.
     */
    ByteBuf onFrame(ByteBuf frame, ByteBufAllocator alloc) throws LoginFailure {
        if (connectQuery != null) {
            complete = connectQuery.onFrame(frame);
            return null;
        }
        byte type = Frames.type(frame);
        switch (type) {
            case Backend.AUTHENTICATION:
                WireMessage answer = onAuthenticationRequest(AuthenticationRequest.decode(frame));
                return answer == null ? null : answer.encode(alloc);
            case Backend.PARAMETER_STATUS:
                ParameterStatus status = ParameterStatus.decode(frame);
                server.parameters().report(status.name(), status.value());
                return null;
            case Backend.BACKEND_KEY_DATA:
                BackendKeyData key = BackendKeyData.decode(frame);
                server.setCancelKey(key.processId(), key.secretKey());
                return null;
            case Backend.ERROR_RESPONSE:
                throw new LoginFailure(ErrorResponse.decode(frame));
            case Backend.NOTICE_RESPONSE, Backend.NEGOTIATE_PROTOCOL_VERSION:
                return null;
            case Backend.READY_FOR_QUERY:
                if (!authenticated) {
                    throw failure(SqlState.PROTOCOL_VIOLATION, "server sent ReadyForQuery before authentication completed");
                }
                if (target.connectQuery() != null && !target.connectQuery().isBlank()) {
                    connectQuery = new ConnectQuery(target.connectQuery(), server);
                    return connectQuery.message(alloc);
                }
                complete = true;
                return null;
            default:
                throw failure(SqlState.PROTOCOL_VIOLATION,
                        "unexpected message " + Frames.describeType(type) + " from server during login");
        }
    }

    boolean isComplete() {
        return complete;
    }

    private WireMessage onAuthenticationRequest(AuthenticationRequest request) throws LoginFailure {
        switch (request.code()) {
            case Backend.AUTH_OK:
                if (!bound) {
                    refuseUnbound("trust or certificate (no password asked)");
                }
                authenticated = true;
                return null;
            case Backend.AUTH_CLEARTEXT_PASSWORD:
                refuseUnbound("cleartext password");
                return new PasswordMessage(plaintextPassword("cleartext password"));
            case Backend.AUTH_MD5_PASSWORD:
                refuseUnbound("md5 password");
                return new PasswordMessage(Md5Password.challengeResponse(md5Secret(), request.data()));
            case Backend.AUTH_SASL:
                return startScram(request.saslMechanisms());
            case Backend.AUTH_SASL_CONTINUE:
                return new SaslResponse(scramStep(() -> scram.clientFinalMessage(request.data())));
            case Backend.AUTH_SASL_FINAL:
                scramStep(() -> {
                    scram.verifyServerFinal(request.data());
                    return null;
                });
                bound = mechanism == SCRAM_SHA_256_PLUS;
                return null;
            default:
                throw failure(SqlState.FEATURE_NOT_SUPPORTED, "server asks for authentication method "
                        + request.code() + ", which pgmux does not support (use trust, password, md5 or scram-sha-256)");
        }
    }

    private String mechanism;

    /** channel_binding require: no password goes to a server that may be someone in between. */
    private void refuseUnbound(String method) throws LoginFailure {
        if (target.tls().channelBinding() == ChannelBindingMode.REQUIRE) {
            throw failure(SqlState.INVALID_AUTHORIZATION_SPECIFICATION, "channel_binding is require, but server "
                    + target.server() + " authenticates pgmux by " + method + ", without channel binding");
        }
    }

    /** SCRAM-SHA-256-PLUS when TLS, the certificate and the server allow it and channel_binding is not disable. */
    private WireMessage startScram(List<String> mechanisms) throws LoginFailure {
        ChannelBindingMode binding = target.tls().channelBinding();
        boolean canBind = binding != ChannelBindingMode.DISABLE && tls && endPoint != null;
        if (canBind && mechanisms.contains(SCRAM_SHA_256_PLUS)) {
            mechanism = SCRAM_SHA_256_PLUS;
            scram = scramClient(SCRAM_SHA_256_PLUS, ScramClient.TLS_SERVER_END_POINT, endPoint);
        } else if (binding == ChannelBindingMode.REQUIRE) {
            throw failure(SqlState.INVALID_AUTHORIZATION_SPECIFICATION, "channel_binding is require, but "
                    + (!tls ? "the connection to " + target.server() + " is not TLS"
                    : endPoint == null ? "the certificate of " + target.server() + " allows no tls-server-end-point binding"
                    : "server " + target.server() + " does not offer " + SCRAM_SHA_256_PLUS + " (it offers " + mechanisms + ")"));
        } else if (mechanisms.contains(SCRAM_SHA_256)) {
            mechanism = SCRAM_SHA_256;
            scram = scramClient(SCRAM_SHA_256, canBind ? ScramClient.CHANNEL_BINDING_NOT_OFFERED : ScramClient.NO_CHANNEL_BINDING, null);
        } else {
            throw failure(SqlState.FEATURE_NOT_SUPPORTED, "server offers SASL mechanisms "
                    + mechanisms + " but pgmux supports only " + SCRAM_SHA_256 + " and " + SCRAM_SHA_256_PLUS);
        }
        return new SaslInitialResponse(mechanism, scram.clientFirstMessage());
    }

    private interface ScramStep {
        byte[] run() throws ScramException;
    }

    private byte[] scramStep(ScramStep step) throws LoginFailure {
        if (scram == null) {
            throw failure(SqlState.PROTOCOL_VIOLATION, "server continued a SASL exchange that was never started");
        }
        try {
            return step.run();
        } catch (ScramException e) {
            throw failure(SqlState.INVALID_PASSWORD, "SCRAM authentication with the server failed: " + e.getMessage());
        }
    }

    /**
     * Passing a client's login through, with the ClientKey it proved; else with the plaintext password.
     * {@code gs2Header} and {@code bindingData} as {@link ScramClient#withChannelBinding} takes them.
     */
    private ScramClient scramClient(String method, String gs2Header, byte[] bindingData) throws LoginFailure {
        PassThrough passThrough = target.passThrough();
        if (passThrough != null && passThrough.scramSecret() != null) {
            return ScramClient.withClientKey(passThrough.scramSecret(), passThrough.clientKey(), gs2Header, bindingData);
        }
        return ScramClient.withChannelBinding(plaintextPassword(method), gs2Header, bindingData);
    }

    private String plaintextPassword(String method) throws LoginFailure {
        String password = target.password();
        if (password == null || Md5Password.isSecret(password) || ScramSecret.isSecret(password)) {
            throw new LoginFailure(ErrorResponse.fatal(SqlState.INVALID_PASSWORD, "server asks for " + method
                    + " authentication of user \"" + target.user() + "\" but pgmux has no plaintext password for it")
                    .withHint("Set the password under databases.<name>.password or users.<name>.password in the pgmux config."));
        }
        return password;
    }

    private String md5Secret() throws LoginFailure {
        String password = target.password();
        if (password != null && Md5Password.isSecret(password)) {
            return password;
        }
        return Md5Password.secret(target.user(), plaintextPassword("md5 password"));
    }

    private static LoginFailure failure(String sqlState, String message) {
        return new LoginFailure(ErrorResponse.fatal(sqlState, message));
    }
}
