package io.pgmux.proxy.tls;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;

import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts TLS handshakes of one side of pgmux: those that succeeded, and those that failed by
 * reason, for {@code /metrics}. Thread-safe; a failure costs one counter, never a log line here.
 */
public final class TlsHandshakes {
    /** Why a handshake failed, as {@code /metrics} labels it. */
    public enum Failure {
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

        Failure(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private final LongAdder succeeded = new LongAdder();
    private final Map<Failure, LongAdder> failed = new EnumMap<>(Failure.class);

    public TlsHandshakes() {
        for (Failure failure : Failure.values()) {
            failed.put(failure, new LongAdder());
        }
    }

    public void succeeded() {
        succeeded.increment();
    }

    public void failed(Failure failure) {
        failed.get(failure).increment();
    }

    public long succeededCount() {
        return succeeded.sum();
    }

    public long failedCount(Failure failure) {
        return failed.get(failure).sum();
    }

    /** The reason for a handshake that ended with {@code cause}. */
    public static Failure classify(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SslHandshakeTimeoutException) {
                return Failure.TIMEOUT;
            }
            if (t instanceof NotSslRecordException) {
                return Failure.NOT_TLS;
            }
            if (t instanceof CertificateException || t instanceof CertPathValidatorException) {
                return Failure.CERTIFICATE;
            }
            if (t instanceof ClosedChannelException) {
                return Failure.CLOSED;
            }
            String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            if (message.contains("certificate")) {
                return Failure.CERTIFICATE;
            }
            if (message.contains("closed")) {
                return Failure.CLOSED;
            }
        }
        return Failure.PROTOCOL;
    }
}
