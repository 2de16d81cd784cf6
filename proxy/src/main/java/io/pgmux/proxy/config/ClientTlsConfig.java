package io.pgmux.proxy.config;

import java.util.List;
import java.util.Objects;

/**
 * TLS between clients and pgmux: YAML mapping {@code client_tls}. The files are paths as written
 * ("" = none); the loader has checked that they can be read and that the key matches the
 * certificate whenever {@code mode} is not {@code disable}.
 *
 * @param mode      {@code client_tls.mode}
 * @param certFile  {@code client_tls.cert_file}: pgmux's certificate (chain), PEM
 * @param keyFile   {@code client_tls.key_file}: its private key, PEM (PKCS#8, PKCS#1 RSA or SEC1 EC)
 * @param caFile    {@code client_tls.ca_file}: the CAs that sign client certificates, PEM
 * @param verify    {@code client_tls.verify}
 * @param protocols {@code client_tls.protocols}: {@code TLSv1.2}, {@code TLSv1.3}
 * @param ciphers   {@code client_tls.ciphers}: cipher suite names; empty = the engine's defaults
 */
public record ClientTlsConfig(ClientTlsMode mode, String certFile, String keyFile, String caFile, ClientCertVerify verify,
                              List<String> protocols, List<String> ciphers) {
    public ClientTlsConfig {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(certFile, "certFile");
        Objects.requireNonNull(keyFile, "keyFile");
        Objects.requireNonNull(caFile, "caFile");
        Objects.requireNonNull(verify, "verify");
        protocols = List.copyOf(protocols);
        ciphers = List.copyOf(ciphers);
    }

    /** The defaults {@link ConfigKeys} declares: TLS off. */
    public static ClientTlsConfig defaults() {
        return PgmuxConfig.defaults().clientTls();
    }
}
