package io.pgmux.proxy.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The console's SETs of TLS file names that are not in effect yet. A certificate and its key are two
 * names, set one at a time: after the first, the pair does not load (the new key does not match the
 * old certificate), so that SET is kept here, with a warning, and TLS stays as it was; the next SET
 * of a TLS name is tried together with the ones kept, and when they load, all take effect at once.
 * PgBouncer does the same ("TLS settings could not be applied, still using old configuration").
 * A SET of a mode ({@code client_tls_sslmode}, {@code server_tls_sslmode}) that does not load with
 * the files is refused instead: nothing is waiting for it to be completed. RELOAD drops what is kept:
 * the file's values are back.
 *
 * <p>Used on the one thread that applies SET and RELOAD; not thread-safe.
 */
public final class PendingTlsFiles {
    /** PgBouncer's names and pgmux's of the TLS files. */
    private static final Set<String> FILE_NAMES = Set.of(
            "client_tls_cert_file", "client_tls_key_file", "client_tls_ca_file",
            "server_tls_cert_file", "server_tls_key_file", "server_tls_ca_file",
            ConfigKeys.CLIENT_TLS_CERT_FILE.name(), ConfigKeys.CLIENT_TLS_KEY_FILE.name(), ConfigKeys.CLIENT_TLS_CA_FILE.name(),
            ConfigKeys.SERVER_TLS_CERT_FILE.name(), ConfigKeys.SERVER_TLS_KEY_FILE.name(), ConfigKeys.SERVER_TLS_ROOT_CERT.name());

    /** Lower-case name → text, oldest SET first. */
    private final Map<String, String> kept = new LinkedHashMap<>();

    /** True for a TLS file name, PgBouncer's or pgmux's (any case). */
    public static boolean isFileName(String name) {
        return FILE_NAMES.contains(name.toLowerCase(Locale.ROOT));
    }

    /**
     * The SETs to try for SET {@code name} = {@code text}: for a TLS file name those kept, then this
     * one; for any other name this one alone (a kept key waits for its certificate, not for pool_size).
     */
    public List<OnlineSettings.Change> with(String name, String text) {
        if (!isFileName(name)) {
            return List.of(new OnlineSettings.Change(name, text));
        }
        List<OnlineSettings.Change> changes = new ArrayList<>();
        kept.forEach((keptName, keptText) -> changes.add(new OnlineSettings.Change(keptName, keptText)));
        changes.add(new OnlineSettings.Change(name, text));
        return changes;
    }

    /** Keeps SET {@code name} = {@code text} (a TLS file name) until a later SET completes it. */
    public void keep(String name, String text) {
        String lower = name.toLowerCase(Locale.ROOT);
        kept.remove(lower); // the latest SET of a name comes last
        kept.put(lower, text);
    }

    /** The kept SETs took effect, or RELOAD put the file's values back. */
    public void clear() {
        kept.clear();
    }

    /** The names kept, oldest first. */
    public List<String> names() {
        return List.copyOf(kept.keySet());
    }
}
