package io.pgmux.proxy.config;

import io.pgmux.proxy.tls.PemFiles;
import io.pgmux.proxy.tls.TlsEngine;
import io.pgmux.proxy.tls.TlsFileException;
import io.pgmux.proxy.tls.TlsIdentity;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reading the TLS keys: the protocol and cipher names, and the files, which are opened and checked
 * when the config is read (at start, by {@code --check} and at reload), so that a missing,
 * unreadable or mismatched file is a config error naming the key, and a reload with one changes
 * nothing.
 */
final class TlsSettingsReading {
    /** The protocol names pgmux accepts, as Netty and the JDK spell them. */
    static final List<String> PROTOCOLS = List.of("TLSv1.2", "TLSv1.3");

    private TlsSettingsReading() {
    }

    /** {@code TLSv1.2}, {@code tlsv1.3}...: a list of names of {@link #PROTOCOLS}, in their spelling; at least one. */
    static List<String> protocols(YamlSection yaml, String name, List<String> dflt) {
        if (!yaml.isPresent(name) || yaml.isNull(name)) {
            yaml.consume(name);
            return dflt;
        }
        List<String> protocols = new ArrayList<>();
        for (String given : yaml.nameList(name)) {
            String known = PROTOCOLS.stream().filter(p -> p.equalsIgnoreCase(given)).findFirst().orElse(null);
            if (known == null) {
                yaml.error(name, "unknown TLS protocol \"" + given + "\" (choose from " + String.join(", ", PROTOCOLS) + ")");
                return dflt;
            }
            protocols.add(known);
        }
        if (protocols.isEmpty()) {
            yaml.error(name, "must name at least one of " + String.join(", ", PROTOCOLS));
            return dflt;
        }
        return protocols;
    }

    /** Cipher suite names the TLS engine knows ({@code TLS_AES_128_GCM_SHA256}); empty = the engine's defaults. */
    static List<String> ciphers(YamlSection yaml, String name) {
        List<String> ciphers = yaml.nameList(name);
        for (String cipher : ciphers) {
            if (!TlsEngine.supportsCipher(cipher)) {
                yaml.error(name, "unknown cipher suite \"" + cipher + "\" (the TLS engine, " + TlsEngine.describe()
                        + ", does not support it; use IANA names such as TLS_AES_128_GCM_SHA256)");
                return List.of();
            }
        }
        return ciphers;
    }

    /**
     * {@code key_file}, read after {@code cert_file} and {@code mode}: when TLS is on, both must be
     * given and the key must belong to the certificate.
     */
    static String keyFile(YamlSection yaml, String name, String dflt, ClientTlsMode mode, String certFile) {
        String keyFile = yaml.string(name, dflt);
        if (!mode.enabled()) {
            return keyFile;
        }
        String certKey = name.replace("key_file", "cert_file");
        if (certFile.isEmpty() || keyFile.isEmpty()) {
            yaml.error(certFile.isEmpty() ? certKey : name, "must be set when " + yaml.pathOf("mode") + " is " + mode.yamlName());
            return keyFile;
        }
        try {
            PemFiles.certificates(Path.of(certFile));
        } catch (TlsFileException e) {
            yaml.error(certKey, e.getMessage());
            return keyFile;
        }
        try {
            TlsIdentity.load(Path.of(certFile), Path.of(keyFile));
        } catch (TlsFileException e) {
            yaml.error(name, e.getMessage());
        }
        return keyFile;
    }

    /** {@code ca_file}: needed when client certificates are verified; read whenever it is given. */
    static String caFile(YamlSection yaml, String name, String dflt, ClientTlsMode mode, ClientCertVerify verify) {
        String caFile = yaml.string(name, dflt);
        if (!mode.enabled()) {
            return caFile;
        }
        if (caFile.isEmpty()) {
            if (verify != ClientCertVerify.NONE) {
                yaml.error(name, "must be set when " + yaml.pathOf("verify") + " is " + verify.yamlName());
            }
            return caFile;
        }
        try {
            PemFiles.certificates(Path.of(caFile));
        } catch (TlsFileException e) {
            yaml.error(name, e.getMessage());
        }
        return caFile;
    }
}
