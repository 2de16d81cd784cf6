package io.pgmux.proxy.client;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Messages;
import io.pgmux.proxy.config.ClientCertVerify;
import io.pgmux.proxy.config.ClientTlsMode;
import io.pgmux.proxy.config.HbaRule;
import io.pgmux.proxy.net.FrameDecoder;
import io.pgmux.proxy.net.PeerUsers;
import io.pgmux.proxy.tls.TlsContexts;
import io.pgmux.proxy.tls.ClientTlsFailure;
import io.pgmux.proxy.tls.TlsSessions;
import io.pgmux.proxy.util.ClientText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.security.auth.x500.X500Principal;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

/**
 * TLS of one client connection: starting it (answering an SSLRequest with 'S', or a direct TLS
 * ClientHello on the same port), the end of the handshake, and what the login asks of it. The
 * connection keeps the {@link ClientTlsSetup} current when its TLS started, whatever a reload
 * brings later.
 *
 * <pre>
 *   plain ──SSLRequest, nothing pipelined──▶ 'S', handshaking ──handshake done──▶ encrypted
 *     │  └──SSLRequest with bytes behind it──▶ FATAL 08P01 (plaintext injection)
 *     └──first byte 0x16 (direct TLS)──▶ handshaking ──done with ALPN "postgresql"──▶ encrypted
 *                                                    └──done without it──▶ FATAL 08P01
 *   handshaking ──failure or timeout──▶ closed (counted by reason; no error: the client cannot read one)
 * </pre>
 */
final class ClientTls {
    private static final Logger log = LoggerFactory.getLogger(ClientTls.class);
    /** The SslHandler's name in the pipeline. */
    static final String HANDLER_NAME = "tls";
    private static final byte[] ACCEPTED = {'S'};

    private final ClientSession session;
    private final Channel channel;
    private final ProxyContext context;
    private ClientTlsSetup setup;
    private SslHandler handler;
    private boolean direct;
    private boolean established;
    /** SHOW CLIENTS' {@code tls}: protocol/cipher once encrypted, "" before. */
    private String shown = "";

    ClientTls(ClientSession session, Channel channel, ProxyContext context) {
        this.session = session;
        this.channel = channel;
        this.context = context;
    }

    /** At connect, while TLS is on: the handler that spots a direct TLS ClientHello. */
    void watchForDirectTls() {
        if (context.clientTls().enabled()) {
            channel.pipeline().addFirst(new DirectTlsDetector(this));
        }
    }

    /** True once the handshake has completed. */
    boolean established() {
        return established;
    }

    /** The SHOW CLIENTS {@code tls} column: {@code TLSv1.3/TLS_AES_256_GCM_SHA384}, or "" on a plain connection. */
    String shown() {
        return shown;
    }

    /** The client's first bytes are a TLS ClientHello: the SslHandler that takes them, null when TLS is off now. */
    SslHandler startDirect() {
        ClientTlsSetup current = context.clientTls();
        if (!current.enabled()) {
            return null;
        }
        direct = true;
        return newHandler(current);
    }

    /** An SSLRequest: 'N' when TLS is off, else 'S' and the handshake, unless the client already sent more. */
    void onSslRequest() {
        ClientTlsSetup current = context.clientTls();
        if (handler != null) {
            session.onProtocolError(new ProtocolException("SSLRequest on a connection that is already encrypted"));
            return;
        }
        if (!current.enabled()) {
            channel.writeAndFlush(Messages.encryptionRefused());
            return;
        }
        FrameDecoder decoder = channel.pipeline().get(FrameDecoder.class);
        if (decoder.bufferedBytes() > 0) {
            // What follows the request was sent in the clear before the handshake: a man in the middle
            // could have put it there (CVE-2021-23222). It must not be read as if it came encrypted.
            int injected = decoder.bufferedBytes();
            decoder.discardRest();
            context.sessions().tlsHandshakes().failed(ClientTlsFailure.PLAINTEXT_AFTER_REQUEST);
            log.info("c{} [{}] refused: {} bytes sent after SSLRequest before the TLS handshake", session.id(),
                    session.poolName(), injected);
            session.fatal(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "received unencrypted data after SSL request")
                    .withDetail("This could be either a client-software bug or evidence of an attempted man-in-the-middle attack."));
            return;
        }
        channel.writeAndFlush(Unpooled.wrappedBuffer(ACCEPTED));
        channel.pipeline().addBefore(channel.pipeline().context(FrameDecoder.class).name(), HANDLER_NAME, newHandler(current));
    }

    private SslHandler newHandler(ClientTlsSetup current) {
        setup = current;
        handler = current.context().newHandler(channel.alloc());
        handler.setHandshakeTimeoutMillis(Math.max(1, context.loginTimeout().toMillis()));
        handler.setCloseNotifyFlushTimeoutMillis(1000);
        return handler;
    }

    /** The SslHandler finished its handshake, or failed it (it closes the connection itself then). */
    void onHandshake(ChannelHandlerContext ctx, SslHandshakeCompletionEvent event) {
        if (!event.isSuccess()) {
            ClientTlsFailure failure = ClientTlsFailure.of(event.cause());
            context.sessions().tlsHandshakes().failed(failure);
            if (context.sessions().shouldLogRefusal()) {
                log.info("c{} TLS handshake from {} failed ({}): {}", session.id(), channel.remoteAddress(), failure.label(),
                        ClientText.text(String.valueOf(event.cause().getMessage())));
            }
            ctx.close();
            return;
        }
        if (direct && !TlsContexts.ALPN_POSTGRESQL.equals(handler.applicationProtocol())) {
            context.sessions().tlsHandshakes().failed(ClientTlsFailure.NO_ALPN);
            log.info("c{} refused: direct TLS without ALPN \"postgresql\"", session.id());
            session.fatal(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION,
                    "received direct SSL connection request without ALPN protocol negotiation extension"));
            return;
        }
        established = true;
        context.sessions().tlsHandshakes().succeeded();
        shown = TlsSessions.describe(handler);
    }

    /**
     * Null when a login as {@code user} may go on; else the FATAL error: TLS is required and this
     * connection is plain TCP, or client certificates are verified in full and this one is not the
     * user's. A Unix-socket client is never asked for TLS (as in PgBouncer: the socket does not leave
     * the machine, and libpq does not offer TLS over it).
     */
    ErrorResponse refusal(String user) {
        if (!established) {
            if (context.config().clientTls().mode() == ClientTlsMode.REQUIRE && !PeerUsers.isUnixSocket(channel)) {
                return ErrorResponse.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION, "SSL/TLS is required to connect to pgmux")
                        .withHint("Connect with sslmode=require (or stronger): client_tls.mode is require.");
            }
            return null;
        }
        if (setup.config().verify() != ClientCertVerify.VERIFY_FULL) {
            return null;
        }
        String commonName = peerName(HbaRule.ClientName.CN);
        if (!user.equals(commonName)) {
            context.sessions().tlsHandshakes().failed(ClientTlsFailure.CERTIFICATE);
            return ErrorResponse.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                    "certificate authentication failed for user \"" + ClientText.name(user) + "\"")
                    .withDetail("The client certificate's CN is " + (commonName == null ? "missing" : "\"" + ClientText.name(commonName) + "\"")
                            + "; client_tls.verify is verify-full, so it must be the user name.");
        }
        return null;
    }

    /** The tls-server-end-point data for SCRAM-SHA-256-PLUS, or null (plain connection, or a certificate without one). */
    byte[] channelBinding() {
        return established ? setup.endPointBinding() : null;
    }

    /** True when the client presented a certificate, which the handshake then verified against {@code client_tls.ca_file}. */
    boolean hasPeerCertificate() {
        return peerCertificate() != null;
    }

    /**
     * The name in the client's certificate: its subject's CN, or its whole subject as RFC 2253 writes it
     * ({@code CN=alice,O=Example}); null without a certificate, or without a CN.
     */
    String peerName(HbaRule.ClientName part) {
        X509Certificate certificate = peerCertificate();
        if (certificate == null) {
            return null;
        }
        if (part == HbaRule.ClientName.DN) {
            return certificate.getSubjectX500Principal().getName(X500Principal.RFC2253);
        }
        try {
            for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return rdn.getValue().toString();
                }
            }
            return null;
        } catch (InvalidNameException e) {
            return null;
        }
    }

    private X509Certificate peerCertificate() {
        if (!established) {
            return null;
        }
        try {
            Certificate[] peer = handler.engine().getSession().getPeerCertificates();
            return peer.length > 0 && peer[0] instanceof X509Certificate certificate ? certificate : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }
}
