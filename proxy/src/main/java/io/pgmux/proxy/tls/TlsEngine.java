package io.pgmux.proxy.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;

/**
 * Which implementation runs TLS: OpenSSL (BoringSSL from {@code netty-tcnative-boringssl-static})
 * when its native library loads on this platform, the JDK's otherwise. The system property
 * {@value #PROPERTY}{@code =jdk} forces the JDK's (to compare, or where the native library misbehaves).
 */
public final class TlsEngine {
    public static final String PROPERTY = "pgmux.tls.engine";

    private TlsEngine() {
    }

    /** The provider every {@code SslContext} of pgmux uses. */
    public static SslProvider provider() {
        return !"jdk".equalsIgnoreCase(System.getProperty(PROPERTY)) && OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** Whether the engine knows the cipher suite {@code name} (IANA/JDK spelling). */
    public static boolean supportsCipher(String name) {
        if (provider() == SslProvider.OPENSSL) {
            return OpenSsl.isCipherSuiteAvailable(name);
        }
        try {
            return java.util.Arrays.asList(javax.net.ssl.SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites())
                    .contains(name);
        } catch (java.security.NoSuchAlgorithmException e) {
            return false;
        }
    }

    /** For the start-up log: the engine, its version, and why OpenSSL is not used when it is not. */
    public static String describe() {
        if (provider() == SslProvider.OPENSSL) {
            return "OpenSSL (" + OpenSsl.versionString() + ")";
        }
        if ("jdk".equalsIgnoreCase(System.getProperty(PROPERTY))) {
            return "JDK (" + PROPERTY + "=jdk)";
        }
        Throwable cause = OpenSsl.unavailabilityCause();
        return "JDK (OpenSSL unavailable: " + (cause != null ? cause.getMessage() : "unknown reason") + ")";
    }
}
