package io.pgmux.proxy.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * TLS from pgmux to Postgres: the global {@code server_tls} section, or a database's own (which
 * starts from the global one and changes the keys it sets). The files are PEM; they are read when
 * pgmux starts and at each reload, not here.
 *
 * @param sslmode        libpq's {@code sslmode}
 * @param rootCert       the CAs the server's certificate must chain to (verify-ca, verify-full);
 *                       null = the system's trusted CAs (libpq's {@code sslrootcert=system})
 * @param certFile       pgmux's client certificate, for Postgres's {@code cert} login; null = none
 * @param keyFile        its private key; set exactly when {@code certFile} is
 * @param hostName       the name checked by verify-full and sent as SNI; null = the database's host
 * @param negotiation    libpq's {@code sslnegotiation}
 * @param channelBinding libpq's {@code channel_binding}, for SCRAM to the server
 */
public record ServerTlsConfig(ServerSslMode sslmode, String rootCert, String certFile, String keyFile, String hostName,
                              SslNegotiation negotiation, ChannelBindingMode channelBinding) {

    /** The section's YAML name, globally and under a database. */
    public static final String SECTION = "server_tls";

    public ServerTlsConfig {
        Objects.requireNonNull(sslmode, "sslmode");
        Objects.requireNonNull(negotiation, "negotiation");
        Objects.requireNonNull(channelBinding, "channelBinding");
    }

    /** The defaults {@link ConfigKeys} declares. */
    public static ServerTlsConfig defaults() {
        return PgmuxConfig.defaults().serverTls();
    }

    /** The name the server's certificate must carry under verify-full, and the SNI: {@code hostName}, else {@code host}. */
    public String verifiedName(String host) {
        return hostName != null ? hostName : host;
    }

    /**
     * What is wrong with the combination of values, by the key to name (libpq refuses the same
     * combinations when it connects). Checked with the files, when pgmux starts or reloads: each key
     * alone, as an environment variable sets it, is valid.
     */
    public Map<String, String> problems() {
        Map<String, String> problems = new LinkedHashMap<>();
        if (certFile != null && keyFile == null) {
            problems.put("key_file", "required with cert_file (the private key of that certificate)");
        }
        if (keyFile != null && certFile == null) {
            problems.put("cert_file", "required with key_file (the certificate of that private key)");
        }
        if (negotiation == SslNegotiation.DIRECT && !sslmode.requiresTls()) {
            problems.put("sslnegotiation", "direct needs sslmode require, verify-ca or verify-full (a direct TLS "
                    + "handshake cannot fall back to plaintext; got sslmode " + sslmode.yamlName() + ")");
        }
        if (channelBinding == ChannelBindingMode.REQUIRE && sslmode == ServerSslMode.DISABLE) {
            problems.put("channel_binding", "require needs TLS, which sslmode disable never uses");
        }
        return problems;
    }

    /**
     * A database's {@code server_tls}: null when it has none (the global section applies), else the
     * global values with the ones it sets.
     */
    static ServerTlsConfig readForDatabase(YamlSection db, ServerTlsConfig global) {
        if (!db.isPresent(SECTION) || db.isNull(SECTION)) {
            db.consume(SECTION);
            return null;
        }
        YamlSection tls = db.section(SECTION);
        ServerSslMode sslmode = tls.choice("sslmode", global.sslmode(), ServerSslMode::fromYaml, ServerSslMode.choices());
        String rootCert = path(tls, "root_cert", global.rootCert());
        String certFile = path(tls, "cert_file", global.certFile());
        String keyFile = path(tls, "key_file", global.keyFile());
        String hostName = path(tls, "host_name", global.hostName());
        SslNegotiation negotiation = tls.choice("sslnegotiation", global.negotiation(), SslNegotiation::fromYaml,
                SslNegotiation.choices());
        ChannelBindingMode channelBinding = tls.choice("channel_binding", global.channelBinding(),
                ChannelBindingMode::fromYaml, ChannelBindingMode.choices());
        tls.reportUnknownKeys();
        return new ServerTlsConfig(sslmode, rootCert, certFile, keyFile, hostName, negotiation, channelBinding);
    }

    /** A file name or host name: null or "" = none (so a database can take back a global one). */
    static String path(YamlSection section, String key, String dflt) {
        if (section.isNull(key) || section.isEmptyString(key)) {
            section.consume(key);
            return null;
        }
        String value = section.string(key, dflt);
        if (value != null && value.isBlank()) {
            section.error(key, "must not be blank (leave it out, or write null for none)");
            return dflt;
        }
        return value;
    }
}
