package io.pgmux.proxy.convert;

import io.pgmux.proxy.config.ClientCertVerify;
import io.pgmux.proxy.config.PgBouncerClientSslmode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * PgBouncer's {@code client_tls_*} and {@code server_tls_*} keys as pgmux's {@code client_tls} and
 * {@code server_tls} sections. Ciphers are not carried: PgBouncer takes OpenSSL cipher strings,
 * pgmux IANA suite names, so the TLS engine's defaults apply and a note says so.
 */
final class TlsSettings {
    /** Where a key that cannot be carried is reported: section, key, why. */
    interface Notes {
        void note(String section, String key, String why);
    }

    private TlsSettings() {
    }

    static void convert(Map<String, String> settings, Map<String, Object> yaml, Notes notes) {
        Map<String, Object> client = new LinkedHashMap<>();
        String mode = settings.get("client_tls_sslmode");
        if (mode != null) {
            Optional<PgBouncerClientSslmode> known = PgBouncerClientSslmode.of(mode);
            if (known.isEmpty()) {
                notes.note("pgbouncer", "client_tls_sslmode", "\"" + mode + "\" is not a PgBouncer sslmode");
            } else {
                client.put("mode", known.get().mode().yamlName());
                if (known.get().verify() != ClientCertVerify.NONE) {
                    client.put("verify", known.get().verify().yamlName());
                }
            }
        }
        copyNonEmpty(settings, "client_tls_cert_file", client, "cert_file");
        copyNonEmpty(settings, "client_tls_key_file", client, "key_file");
        copyNonEmpty(settings, "client_tls_ca_file", client, "ca_file");
        String protocols = settings.get("client_tls_protocols");
        if (protocols != null) {
            List<String> carried = protocols(protocols);
            if (carried.isEmpty()) {
                notes.note("pgbouncer", "client_tls_protocols", "\"" + protocols + "\": pgmux speaks TLS 1.2 and 1.3 only;"
                        + " its default (both) applies");
            } else {
                client.put("protocols", carried);
            }
        }
        Object clientMode = client.getOrDefault("mode", "disable");
        if (!clientMode.equals("disable") && !(client.containsKey("cert_file") && client.containsKey("key_file"))) {
            notes.note("pgbouncer", "client_tls_sslmode", clientMode + " needs client_tls_cert_file and client_tls_key_file"
                    + " (PgBouncer cannot offer TLS without them either); client TLS is not carried");
            client.clear();
        } else if (client.containsKey("verify") && !client.containsKey("ca_file")) {
            notes.note("pgbouncer", "client_tls_sslmode", client.get("verify") + " needs client_tls_ca_file to check client"
                    + " certificates against; client certificates are not checked");
            client.remove("verify");
        }
        if (!client.isEmpty()) {
            yaml.put("client_tls", client);
        }

        Map<String, Object> server = new LinkedHashMap<>();
        String sslmode = settings.get("server_tls_sslmode");
        if (sslmode != null) {
            server.put("sslmode", sslmode.toLowerCase(Locale.ROOT));
        }
        copyNonEmpty(settings, "server_tls_ca_file", server, "root_cert");
        copyNonEmpty(settings, "server_tls_cert_file", server, "cert_file");
        copyNonEmpty(settings, "server_tls_key_file", server, "key_file");
        if (!server.isEmpty()) {
            yaml.put("server_tls", server);
        }
    }

    private static void copyNonEmpty(Map<String, String> settings, String key, Map<String, Object> into, String pgmuxKey) {
        String value = settings.get(key);
        if (value != null && !value.isBlank()) {
            into.put(pgmuxKey, value.strip());
        }
    }

    /** PgBouncer's list (comma or space separated; {@code secure}, {@code all}...) as pgmux's, TLS 1.2 and 1.3 only. */
    private static List<String> protocols(String value) {
        List<String> out = new ArrayList<>();
        for (String word : value.toLowerCase(Locale.ROOT).split("[\\s,]+")) {
            switch (word) {
                case "secure", "all", "legacy" -> {
                    add(out, "TLSv1.2");
                    add(out, "TLSv1.3");
                }
                case "tlsv1.2" -> add(out, "TLSv1.2");
                case "tlsv1.3" -> add(out, "TLSv1.3");
                default -> {
                    // tlsv1.0, tlsv1.1: pgmux does not offer them
                }
            }
        }
        return out;
    }

    private static void add(List<String> list, String protocol) {
        if (!list.contains(protocol)) {
            list.add(protocol);
        }
    }
}
