package io.pgmux.proxy.backend;

import io.pgmux.proxy.tls.HandshakeCounts;

import javax.net.ssl.SSLHandshakeException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.Locale;

/**
 * Why TLS to a server failed, as the {@code reason} label of {@code pgmux_server_tls_failures_total}
 * and the words of the error the waiting clients get.
 */
public enum ServerTlsFailure implements HandshakeCounts.Reason {
    /** The server answered the SSLRequest with 'N' where TLS is required. */
    NOT_SUPPORTED("not_supported", "the server does not support TLS"),
    /** Its certificate does not chain to a trusted CA. */
    UNTRUSTED("untrusted_certificate", "its certificate is not signed by a trusted CA (root_cert)"),
    /** Its certificate (or one of its chain) has expired or is not valid yet. */
    EXPIRED("expired_certificate", "its certificate has expired or is not valid yet"),
    /** verify-full: the certificate does not name the host. */
    HOST_NAME_MISMATCH("host_name_mismatch", "its certificate does not name the host"),
    /** Something else: a protocol error, no common cipher or version, a closed connection. */
    HANDSHAKE("handshake", "the TLS handshake failed"),
    /** It did not finish within {@code server_connect_timeout}. */
    TIMEOUT("timeout", "the TLS handshake did not finish in time");

    private final String label;
    private final String words;

    ServerTlsFailure(String label, String words) {
        this.label = label;
        this.words = words;
    }

    @Override
    public String label() {
        return label;
    }

    String words() {
        return words;
    }

    /** What a handshake exception says, by its causes and, where the engine gives no cause, its message. */
    static ServerTlsFailure of(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            // first: an expired certificate also fails the path validation that wraps it
            if (t instanceof CertificateExpiredException || t instanceof CertificateNotYetValidException) {
                return EXPIRED;
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof CertPathBuilderException) {
                return UNTRUSTED;
            }
            if (t instanceof CertPathValidatorException validator && validator.getReason() != null) {
                String reason = validator.getReason().toString();
                if (reason.equals("EXPIRED") || reason.equals("NOT_YET_VALID")) {
                    return EXPIRED;
                }
                return UNTRUSTED;
            }
            String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            if (message.contains("no subject alternative") || message.contains("no name matching")
                    || message.contains("hostname") && message.contains("match")) {
                return HOST_NAME_MISMATCH;
            }
            if (message.contains("expired") || message.contains("not yet valid")) {
                return EXPIRED;
            }
            if (message.contains("unable to find valid certification path") || message.contains("pkix path")
                    || message.contains("unknown ca") || message.contains("self signed") || message.contains("self-signed")) {
                return UNTRUSTED;
            }
        }
        return HANDSHAKE;
    }

    /** The engine's own words, without the exception class names. */
    static String detail(Throwable failure) {
        Throwable deepest = failure;
        while (deepest.getCause() != null && deepest.getCause() != deepest) {
            deepest = deepest.getCause();
        }
        String message = deepest.getMessage();
        if (message == null || message.isBlank()) {
            message = failure instanceof SSLHandshakeException && failure.getMessage() != null
                    ? failure.getMessage() : deepest.getClass().getSimpleName();
        }
        return message;
    }
}
