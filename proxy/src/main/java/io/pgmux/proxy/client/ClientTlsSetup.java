package io.pgmux.proxy.client;

import io.netty.handler.ssl.SslContext;
import io.pgmux.proxy.config.ClientCertVerify;
import io.pgmux.proxy.config.ClientTlsConfig;
import io.pgmux.proxy.tls.ChannelBinding;
import io.pgmux.proxy.tls.PemFiles;
import io.pgmux.proxy.tls.TlsContexts;
import io.pgmux.proxy.tls.TlsFileException;
import io.pgmux.proxy.tls.TlsIdentity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * What new client connections use for TLS, as loaded from {@code client_tls} at start or at the
 * last reload: the SslContext (null when {@code mode} is {@code disable}) and the channel binding
 * data of its certificate. A connection takes the setup current when its TLS starts and keeps it.
 */
public record ClientTlsSetup(ClientTlsConfig config, SslContext context, byte[] endPointBinding, String summary) {
    private static final Logger log = LoggerFactory.getLogger(ClientTlsSetup.class);

    /** Reads the files of {@code config}; fails naming the file and what is wrong. */
    public static ClientTlsSetup load(ClientTlsConfig config) throws TlsFileException, SSLException {
        if (!config.mode().enabled()) {
            return new ClientTlsSetup(config, null, null, "off (client_tls.mode disable)");
        }
        TlsIdentity identity = TlsIdentity.load(Path.of(config.certFile()), Path.of(config.keyFile()));
        String problem = identity.validityProblem();
        if (problem != null) {
            log.warn("client_tls: {}; clients that check it will refuse pgmux", problem);
        }
        // As Postgres with ssl_ca_file: with CAs, a certificate is asked for (HBA's cert and clientcert need it),
        // and required only under verify-ca and verify-full.
        List<X509Certificate> cas = !config.caFile().isEmpty() ? PemFiles.certificates(Path.of(config.caFile())) : List.of();
        SslContext context = TlsContexts.server(new TlsContexts.ServerSide(identity, cas, config.verify() != ClientCertVerify.NONE,
                config.protocols(), config.ciphers()));
        String summary = "mode " + config.mode().yamlName() + ", certificate " + config.certFile() + " ("
                + identity.certificate().getSubjectX500Principal().getName() + ", valid until "
                + identity.certificate().getNotAfter().toInstant() + "), client certificates " + config.verify().yamlName()
                + (config.verify() == ClientCertVerify.NONE && !cas.isEmpty() ? " (asked for, checked when sent)" : "");
        return new ClientTlsSetup(config, context, ChannelBinding.tlsServerEndPoint(identity.certificate()), summary);
    }

    /** True when clients may use TLS. */
    public boolean enabled() {
        return context != null;
    }
}
