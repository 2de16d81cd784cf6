package io.pgmux.proxy.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

import javax.net.ssl.SSLException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Netty {@code SslContext}s for both sides of pgmux, on {@link TlsEngine#provider()}. Protocols are
 * JDK names ({@code TLSv1.2}, {@code TLSv1.3}); ciphers are IANA/JDK suite names, and an empty list
 * keeps the engine's defaults.
 */
public final class TlsContexts {
    /** The ALPN protocol of Postgres 17's direct TLS. */
    public static final String ALPN_POSTGRESQL = "postgresql";
    /** {@code protocols} when the config names none. */
    public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.2", "TLSv1.3");

    private TlsContexts() {
    }

    /** What pgmux needs to accept TLS connections. */
    public record ServerSide(TlsIdentity identity, List<X509Certificate> clientCas, boolean requireClientCertificate,
                             List<String> protocols, List<String> ciphers) {
        public ServerSide {
            clientCas = clientCas == null ? List.of() : List.copyOf(clientCas);
            protocols = protocols == null || protocols.isEmpty() ? DEFAULT_PROTOCOLS : List.copyOf(protocols);
            ciphers = ciphers == null ? List.of() : List.copyOf(ciphers);
        }
    }

    /**
     * What pgmux needs to open TLS connections: {@code trusted} empty = any certificate is accepted
     * (libpq's {@code require}); {@code verifyHostName} checks the name or address connected to against
     * the certificate (libpq's {@code verify-full}); {@code identity} null = no client certificate.
     */
    public record ClientSide(List<X509Certificate> trusted, boolean verifyHostName, TlsIdentity identity,
                             List<String> protocols, List<String> ciphers, List<String> alpn) {
        public ClientSide {
            trusted = trusted == null ? List.of() : List.copyOf(trusted);
            protocols = protocols == null || protocols.isEmpty() ? DEFAULT_PROTOCOLS : List.copyOf(protocols);
            ciphers = ciphers == null ? List.of() : List.copyOf(ciphers);
            alpn = alpn == null ? List.of() : List.copyOf(alpn);
        }
    }

    /**
     * The server side: presents {@code identity}, offers ALPN {@value #ALPN_POSTGRESQL} (not
     * advertised when a client offers something else: the session decides what that costs), asks
     * for a client certificate signed by {@code clientCas} when there are some.
     */
    public static SslContext server(ServerSide side) throws SSLException {
        SslContextBuilder builder = SslContextBuilder
                .forServer(side.identity().key(), side.identity().chain().toArray(X509Certificate[]::new))
                .sslProvider(TlsEngine.provider())
                .protocols(side.protocols())
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ALPN_POSTGRESQL));
        if (!side.ciphers().isEmpty()) {
            builder.ciphers(side.ciphers(), SupportedCipherSuiteFilter.INSTANCE);
        }
        if (!side.clientCas().isEmpty()) {
            builder.trustManager(side.clientCas().toArray(X509Certificate[]::new))
                    .clientAuth(side.requireClientCertificate() ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
        }
        return builder.build();
    }

    /** The client side; see {@link ClientSide}. Give the host name to {@code newHandler} for SNI and verify-full. */
    public static SslContext client(ClientSide side) throws SSLException {
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(TlsEngine.provider())
                .protocols(side.protocols());
        if (side.trusted().isEmpty()) {
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
        } else {
            builder.trustManager(side.trusted().toArray(X509Certificate[]::new))
                    .endpointIdentificationAlgorithm(side.verifyHostName() ? "HTTPS" : null);
        }
        if (side.identity() != null) {
            builder.keyManager(side.identity().key(), side.identity().chain().toArray(X509Certificate[]::new));
        }
        if (!side.ciphers().isEmpty()) {
            builder.ciphers(side.ciphers(), SupportedCipherSuiteFilter.INSTANCE);
        }
        if (!side.alpn().isEmpty()) {
            builder.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, side.alpn()));
        }
        return builder.build();
    }
}
