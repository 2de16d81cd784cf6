package io.pgmux.proxy.config;

import java.util.Locale;
import java.util.Optional;

/**
 * PgBouncer's {@code client_tls_sslmode}, one key for what pgmux says with two: {@code client_tls.mode}
 * and {@code client_tls.verify}. PgBouncer's {@code verify-ca} and {@code verify-full} require TLS and
 * check the client's certificate; its other modes check a certificate only when one is sent.
 *
 * @param mode   {@code client_tls.mode}
 * @param verify {@code client_tls.verify}
 */
public record PgBouncerClientSslmode(ClientTlsMode mode, ClientCertVerify verify) {
    /** The names PgBouncer takes, for messages. */
    public static final String CHOICES = "disable, allow, prefer, require, verify-ca, verify-full";

    /** pgmux's two keys for PgBouncer's {@code name} (any case); empty if PgBouncer has no such sslmode. */
    public static Optional<PgBouncerClientSslmode> of(String name) {
        String lower = name.strip().toLowerCase(Locale.ROOT);
        Optional<ClientCertVerify> verify = ClientCertVerify.fromYaml(lower).filter(v -> v != ClientCertVerify.NONE);
        if (verify.isPresent()) {
            return Optional.of(new PgBouncerClientSslmode(ClientTlsMode.REQUIRE, verify.get()));
        }
        return ClientTlsMode.fromYaml(lower).map(mode -> new PgBouncerClientSslmode(mode, ClientCertVerify.NONE));
    }
}
