package io.pgmux.proxy.backend;

import io.netty.handler.ssl.SslContext;
import io.pgmux.proxy.config.ConfigException;
import io.pgmux.proxy.config.DatabaseConfig;
import io.pgmux.proxy.config.PgmuxConfig;
import io.pgmux.proxy.config.ServerSslMode;
import io.pgmux.proxy.config.ServerTlsConfig;
import io.pgmux.proxy.config.SslNegotiation;
import io.pgmux.proxy.tls.PemFiles;
import io.pgmux.proxy.tls.TlsContexts;
import io.pgmux.proxy.tls.TlsFileException;
import io.pgmux.proxy.tls.TlsIdentity;

import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code SslContext} of each {@code server_tls} in use (the global one and each database's own),
 * built from its files when pgmux starts and again at each reload ({@link #load}), off the event
 * loops, so that rotated files are read and a bad one is reported by its YAML path before anything
 * uses it. A setting no load has seen (not expected: every pool's comes from a loaded config) is
 * built when first asked for.
 */
public final class ServerTlsContexts {
    private final Map<ServerTlsConfig, SslContext> contexts = new ConcurrentHashMap<>();

    /**
     * Reads the files of every {@code server_tls} of {@code config} and keeps their contexts (the
     * previous ones of the same settings are replaced: the files are read again).
     *
     * @throws ConfigException naming the YAML path of each problem; nothing is replaced then
     */
    public void load(PgmuxConfig config) throws ConfigException {
        contexts.putAll(build(config));
    }

    /**
     * The contexts of every {@code server_tls} of {@code config}, by its settings (none for
     * {@code disable}), for {@code --check} and {@link #load}.
     *
     * @throws ConfigException naming the YAML path of each problem
     */
    public static Map<ServerTlsConfig, SslContext> build(PgmuxConfig config) throws ConfigException {
        Map<ServerTlsConfig, String> paths = new LinkedHashMap<>();
        paths.put(config.serverTls(), ServerTlsConfig.SECTION);
        for (DatabaseConfig db : config.databases().values()) {
            if (db.serverTls() != null) {
                paths.putIfAbsent(db.serverTls(), "databases." + db.name() + "." + ServerTlsConfig.SECTION);
            }
        }
        List<String> errors = new ArrayList<>();
        Map<ServerTlsConfig, SslContext> built = new LinkedHashMap<>();
        paths.forEach((tls, path) -> {
            tls.problems().forEach((key, problem) -> errors.add(path + "." + key + ": " + problem));
            if (!tls.problems().isEmpty() || tls.sslmode() == ServerSslMode.DISABLE) {
                return;
            }
            try {
                built.put(tls, context(tls));
            } catch (SettingException e) {
                errors.add(path + "." + e.key + ": " + e.getMessage());
            }
        });
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return built;
    }

    /** The context for {@code tls} (not {@code disable}). */
    SslContext contextFor(ServerTlsConfig tls) throws SettingException {
        SslContext context = contexts.get(tls);
        if (context == null) {
            context = context(tls);
            contexts.put(tls, context);
        }
        return context;
    }

    private static SslContext context(ServerTlsConfig tls) throws SettingException {
        List<X509Certificate> trusted = List.of();
        if (tls.sslmode().verifiesChain()) {
            trusted = tls.rootCert() != null ? certificates("root_cert", tls.rootCert()) : systemCas();
        }
        TlsIdentity identity = null;
        if (tls.certFile() != null) {
            try {
                identity = TlsIdentity.load(Path.of(tls.certFile()), Path.of(tls.keyFile()));
            } catch (TlsFileException e) {
                throw new SettingException(e.file().toString().equals(tls.keyFile()) ? "key_file" : "cert_file", e.getMessage());
            }
        }
        List<String> alpn = tls.negotiation() == SslNegotiation.DIRECT ? List.of(TlsContexts.ALPN_POSTGRESQL) : List.of();
        try {
            return TlsContexts.client(new TlsContexts.ClientSide(trusted, tls.sslmode() == ServerSslMode.VERIFY_FULL,
                    identity, List.of(), List.of(), alpn));
        } catch (SSLException e) {
            throw new SettingException("sslmode", "cannot set up TLS: " + e.getMessage());
        }
    }

    private static List<X509Certificate> certificates(String key, String file) throws SettingException {
        try {
            return PemFiles.certificates(Path.of(file));
        } catch (TlsFileException e) {
            throw new SettingException(key, e.getMessage());
        }
    }

    /** The CAs the JVM trusts (its cacerts), as libpq's {@code sslrootcert=system} trusts the system's. */
    private static List<X509Certificate> systemCas() throws SettingException {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init((KeyStore) null);
            for (var manager : factory.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509 && x509.getAcceptedIssuers().length > 0) {
                    return Arrays.asList(x509.getAcceptedIssuers());
                }
            }
        } catch (GeneralSecurityException e) {
            throw new SettingException("root_cert", "no root_cert, and the system's trusted CAs cannot be read: " + e.getMessage());
        }
        throw new SettingException("root_cert", "no root_cert, and the system trusts no CA: give root_cert");
    }

    /** A setting that cannot be used; {@code key} is its name in the section. */
    static final class SettingException extends Exception {
        final String key;

        SettingException(String key, String message) {
            super(message, null, false, false);
            this.key = key;
        }
    }
}
