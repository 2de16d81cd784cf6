package io.pgmux.proxy.tls;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;

import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Locale;

/** Why a TLS handshake with a client failed, as the {@code reason} label of {@code pgmux_client_tls_handshakes_total}. */
public enum ClientTlsFailure implements HandshakeCounts.Reason {
    /** Not finished within the timeout. */
    TIMEOUT("timeout"),
    /** The bytes were not TLS (garbage, or plaintext after pgmux answered 'S'). */
    NOT_TLS("not_tls"),
    /** A certificate was missing, expired, untrusted, or not for this user. */
    CERTIFICATE("certificate"),
    /** Direct TLS without ALPN {@code postgresql}. */
    NO_ALPN("no_alpn"),
    /** Bytes sent after SSLRequest before the handshake (plaintext injection), refused. */
    PLAINTEXT_AFTER_REQUEST("plaintext_after_sslrequest"),
    /** The peer closed the connection during the handshake. */
    CLOSED("closed"),
    /** Any other handshake error (no common protocol or cipher, a malformed message...). */
    PROTOCOL("protocol");

    private final String label;

    ClientTlsFailure(String label) {
        this.label = label;
    }

    @Override
    public String label() {
        return label;
    }

    /** The reason for a handshake that ended with {@code cause}. */
    public static ClientTlsFailure of(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SslHandshakeTimeoutException) {
                return TIMEOUT;
            }
            if (t instanceof NotSslRecordException) {
                return NOT_TLS;
            }
            if (t instanceof CertificateException || t instanceof CertPathValidatorException) {
                return CERTIFICATE;
            }
            if (t instanceof ClosedChannelException) {
                return CLOSED;
            }
            String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            if (message.contains("certificate")) {
                return CERTIFICATE;
            }
            if (message.contains("closed")) {
                return CLOSED;
            }
        }
        return PROTOCOL;
    }
}
