package io.pgmux.proxy.convert;

import io.pgmux.proxy.config.LogLevel;
import io.pgmux.proxy.config.PoolMode;
import io.pgmux.proxy.config.PreparedStatementMode;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PgBouncer configuration as a pgmux one: the keys pgmux has (most under PgBouncer's own names),
 * and for every key it cannot carry a note saying which and why. The YAML it writes loads with
 * pgmux's config loader; nothing is guessed (a value pgmux would read differently is a note).
 */
public final class PgBouncerConversion {
    /** PgBouncer keys pgmux reads under the same name and with the same meaning. */
    private static final Set<String> SAME_NAME = Set.of("pool_mode", "min_pool_size", "reserve_pool_size",
            "max_db_connections", "max_user_connections", "max_db_client_connections", "max_user_client_connections",
            "server_reset_query", "server_check_query",
            "tcp_keepalive", "tcp_keepcnt", "unix_socket_dir", "unix_socket_group", "auth_user", "auth_query", "auth_dbname",
            "application_name_add_host", "server_fast_close", "ignore_startup_parameters", "peer_id", "so_reuseport");
    /** PgBouncer durations pgmux reads under the same name: a plain number is seconds in both. */
    private static final Set<String> SAME_NAME_DURATION = Set.of("reserve_pool_timeout", "server_check_delay",
            "server_lifetime", "server_idle_timeout", "server_connect_timeout", "server_login_retry", "query_timeout",
            "query_wait_timeout", "client_idle_timeout", "client_login_timeout", "idle_transaction_timeout", "transaction_timeout",
            "dns_max_ttl",
            "tcp_keepidle", "tcp_keepintvl", "stats_period", "query_wait_notify");
    private static final Map<String, String> RENAMED = Map.of("default_pool_size", "pool_size",
            "max_client_conn", "max_client_connections");
    /** Keys handled on their own below. */
    private static final Set<String> SPECIAL = Set.of("listen_addr", "listen_port", "auth_type", "auth_file",
            "admin_users", "stats_users", "max_packet_size", "max_prepared_statements", "unix_socket_mode",
            "tcp_user_timeout", "auth_hba_file", "auth_ident_file", "client_tls_sslmode", "client_tls_cert_file",
            "client_tls_key_file", "client_tls_ca_file", "client_tls_protocols", "server_tls_sslmode", "server_tls_ca_file",
            "server_tls_cert_file", "server_tls_key_file", "track_extra_parameters", "verbose");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(us|ms|s|min|h|d)?");
    private static final Pattern FRACTIONAL_SECONDS = Pattern.compile("\\d*\\.\\d+");
    private static final Pattern NUMBER = Pattern.compile("-?\\d+");
    /** The limits a database or a user may set for itself. */
    private static final Set<String> NAME_LIMITS = Set.of("max_db_connections", "max_db_client_connections",
            "max_user_connections", "max_user_client_connections");

    private final Map<String, Object> yaml = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    /** auth_type = any: PgBouncer admits any user name, so no trust_users is written. */
    private boolean anyUser;

    private PgBouncerConversion() {
    }

    /** The YAML pgmux reads. */
    public String yaml() {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setIndent(2);
        return "# converted from a PgBouncer configuration by pgmux convert-config\n" + new Yaml(options).dump(yaml);
    }

    /** What could not be carried, one line each: {@code [section] key: why}. */
    public List<String> notes() {
        return notes;
    }

    /**
     * Reads and converts {@code iniFile}, with the users of {@code authFile}, or when it is null of the
     * file the ini's {@code auth_file} names (as given, else beside the ini file).
     *
     * @throws IOException when a file cannot be read or the ini file is malformed
     */
    public static PgBouncerConversion convert(Path iniFile, Path authFile) throws IOException {
        IniFile ini = IniFile.read(iniFile);
        Path users = authFile;
        List<String> missing = new ArrayList<>();
        if (users == null) {
            String named = ini.section("pgbouncer").get("auth_file");
            if (named != null && !named.isEmpty()) {
                users = Path.of(named);
                if (!Files.exists(users)) {
                    users = iniFile.toAbsolutePath().getParent().resolve(Path.of(named).getFileName());
                }
                if (!Files.exists(users)) {
                    missing.add(named);
                    users = null;
                }
            }
        }
        PgBouncerConversion c = convert(ini, users != null ? AuthFile.parse(Files.readString(users, StandardCharsets.UTF_8)) : null);
        missing.forEach(named -> c.note("pgbouncer", "auth_file", named + " was not found: no users were carried;"
                + " give the file as the second argument"));
        return c;
    }

    /** Converts {@code ini}, with {@code authFile}'s users (null: none). */
    static PgBouncerConversion convert(IniFile ini, Map<String, String> authFile) throws IOException {
        PgBouncerConversion c = new PgBouncerConversion();
        c.convertSettings(ini.section("pgbouncer"));
        c.convertDatabases(ini.section("databases"));
        c.convertUsers(ini.section("users"), authFile != null ? authFile : Map.of());
        c.convertPeers(ini.section("peers"), ini.section("pgbouncer").getOrDefault("peer_id", "0"));
        for (String section : ini.sectionNames()) {
            if (!Set.of("pgbouncer", "databases", "users", "peers").contains(section)) {
                c.note(section, null, "not a PgBouncer section pgmux knows");
            }
        }
        return c;
    }

    /**
     * {@code [peers]}: PgBouncer's {@code id = host=... port=...} is pgmux's {@code peers} entry
     * {@code {id, host, port}}, a Unix socket directory as host included (pgmux reaches that peer
     * on its socket, as PgBouncer does). Without a {@code peer_id} of its own (0, PgBouncer's default) the
     * section is not carried: pgmux forwards cancels to peers only when it has one.
     */
    private void convertPeers(Map<String, String> peers, String peerId) {
        if (!peers.isEmpty() && peerId.strip().equals("0")) {
            note("peers", null, "peer_id is 0 (peering off): pgmux takes peers only with a peer_id; not carried");
            return;
        }
        List<Map<String, Object>> entries = new ArrayList<>();
        for (Map.Entry<String, String> e : peers.entrySet()) {
            String id = e.getKey();
            Map<String, String> conn = connectionString("peers", id, e.getValue());
            if (conn == null) {
                continue;
            }
            String host = conn.get("host");
            String port = conn.getOrDefault("port", "6432");
            if (!NUMBER.matcher(id).matches() || id.length() > 5) {
                note("peers", id, "not a peer_id; not carried");
            } else if (host == null) {
                note("peers", id, "no host: give the peer's host or Unix socket directory; not carried");
            } else if (!NUMBER.matcher(port).matches() || port.length() > 5) {
                note("peers", id, "port " + port + " is not a port number; not carried");
            } else {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("id", Integer.valueOf(id));
                entry.put("host", host);
                entry.put("port", Integer.valueOf(port));
                entries.add(entry);
                conn.keySet().stream().filter(k -> !k.equals("host") && !k.equals("port"))
                        .forEach(k -> note("peers", id + "." + k, "pgmux's peers take only host and port"));
            }
        }
        if (!entries.isEmpty()) {
            yaml.put("peers", entries);
        }
    }

    // ---------------------------------------------------------------- [pgbouncer]

    private void convertSettings(Map<String, String> settings) throws IOException {
        String addr = settings.get("listen_addr");
        String port = settings.getOrDefault("listen_port", "6432");
        if (addr != null && !addr.isEmpty()) {
            String[] addresses = addr.split("\\s*,\\s*");
            if (addresses.length > 1) {
                note("pgbouncer", "listen_addr", "pgmux listens on one address; " + addresses[0] + " is kept");
            }
            String host = addresses[0].equals("*") ? "0.0.0.0" : addresses[0];
            yaml.put("listen", (host.contains(":") ? "[" + host + "]" : host) + ":" + port);
        } else if (addr != null) {
            note("pgbouncer", "listen_addr", "empty (PgBouncer: Unix socket only); pgmux always listens on TCP, "
                    + "here on 127.0.0.1:" + port);
            yaml.put("listen", "127.0.0.1:" + port);
        } else if (settings.containsKey("listen_port")) {
            yaml.put("listen", "127.0.0.1:" + port);
        }
        for (Map.Entry<String, String> e : settings.entrySet()) {
            String key = e.getKey();
            String value = e.getValue();
            if (SAME_NAME.contains(key)) {
                yaml.put(key, scalar(value));
            } else if (SAME_NAME_DURATION.contains(key)) {
                putDuration("pgbouncer", key, key, value, yaml);
            } else if (RENAMED.containsKey(key)) {
                yaml.put(RENAMED.get(key), scalar(value));
            } else if (!SPECIAL.contains(key)) {
                note("pgbouncer", key, reasonFor(key));
            }
        }
        special(settings);
    }

    private void special(Map<String, String> settings) throws IOException {
        String authType = settings.get("auth_type");
        if (authType != null) {
            authType = authType.strip().toLowerCase(Locale.ROOT); // PgBouncer reads it in any case
            switch (authType) {
                case "md5", "scram-sha-256" -> yaml.put("client_auth", authType);
                case "trust" -> yaml.put("client_auth", "trust");
                case "plain" -> yaml.put("client_auth", "password");
                case "any" -> {
                    anyUser = true;
                    yaml.put("client_auth", "trust");
                    note("pgbouncer", "auth_type", "any: written as trust (pgmux logs in to the server as the client's user,"
                            + " not as the database's configured user whatever the client says)");
                }
                case "hba" -> hbaFiles(settings);
                case "peer" -> {
                    yaml.put("unix_socket_auth", "peer");
                    note("pgbouncer", "auth_type", "peer: written as unix_socket_auth: peer for socket clients; TCP clients"
                            + " (which PgBouncer refuses under peer) use client_auth, which stays trust: set it");
                }
                case "cert" -> note("pgbouncer", "auth_type", "cert is in pgmux the HBA rule {type: hostssl, method: cert},"
                        + " which needs client_tls (mode, cert_file, key_file, ca_file), not carried here; client_auth stays"
                        + " trust: write both before you use this file");
                case "pam", "ldap" -> throw new IOException("auth_type = " + authType + ": pgmux has no " + authType
                        + " authentication (client_auth: trust, password, md5, scram-sha-256, or an hba_file); choose one"
                        + " of those, a converted file must not let clients in unchecked");
                default -> throw new IOException("auth_type = " + authType + ": not an auth_type (PgBouncer refuses the file"
                        + " too): any, trust, plain, md5, scram-sha-256, cert, hba, peer");
            }
        }
        if (!"hba".equals(authType)) {
            for (String key : List.of("auth_hba_file", "auth_ident_file")) {
                if (settings.containsKey(key)) {
                    note("pgbouncer", key, "PgBouncer reads it only with auth_type = hba; not carried");
                }
            }
        }
        for (String key : List.of("admin_users", "stats_users")) {
            String value = settings.get(key);
            if (value != null && !value.isBlank()) {
                yaml.put(key, List.of(value.strip().split("\\s*,\\s*")));
            }
        }
        String mode = settings.get("unix_socket_mode");
        if (mode != null) {
            yaml.put("unix_socket_mode", mode.startsWith("0") ? mode : "0" + mode);
        }
        yaml.put("unix_socket_admin_user", "pgbouncer"); // PgBouncer's console login for its own OS user
        String userTimeout = settings.get("tcp_user_timeout");
        if (userTimeout != null) {
            if (NUMBER.matcher(userTimeout).matches()) {
                yaml.put("tcp_user_timeout", Integer.valueOf(userTimeout)); // milliseconds in both
            } else {
                note("pgbouncer", "tcp_user_timeout", "\"" + userTimeout + "\" is not a number of milliseconds");
            }
        }
        String verbose = settings.get("verbose");
        if (verbose != null) {
            if (verbose.strip().matches("\\d{1,9}")) {
                LogLevel level = LogLevel.ofVerbosity(Integer.parseInt(verbose.strip()));
                yaml.put("log", new LinkedHashMap<>(Map.of("level", level.yamlName())));
            } else {
                note("pgbouncer", "verbose", "\"" + verbose + "\" is not a number (0 info, 1 debug, 2 trace)");
            }
        }
        TlsSettings.convert(settings, yaml, this::note);
        String tracked = settings.get("track_extra_parameters");
        if (tracked != null) {
            List<String> names = new ArrayList<>(List.of(tracked.strip().split("\\s*,\\s*")));
            names.removeIf(String::isEmpty);
            if (names.removeIf(n -> n.equalsIgnoreCase("options"))) {
                note("pgbouncer", "track_extra_parameters", "options cannot be tracked (PgBouncer ignores it too), only the"
                        + " settings within it; left out of the list");
            }
            yaml.put("track_extra_parameters", names);
        }
        String maxPrepared = settings.get("max_prepared_statements");
        if (maxPrepared != null) {
            if (maxPrepared.strip().equals("0")) {
                PoolMode poolMode = PoolMode.fromYaml(settings.getOrDefault("pool_mode", "session").strip().toLowerCase(Locale.ROOT))
                        .orElse(PoolMode.SESSION);
                PreparedStatementMode off = PreparedStatementMode.pgBouncerOff(poolMode);
                if (off != null) { // in session mode pgmux's auto is PgBouncer's 0: statements go through
                    yaml.put("prepared_statements", off.yamlName());
                }
            } else {
                yaml.put("max_prepared_statements", scalar(maxPrepared));
            }
        }
        String packet = settings.get("max_packet_size");
        if (packet != null) {
            if (NUMBER.matcher(packet).matches() && Long.parseLong(packet) >= 1024 && Long.parseLong(packet) < (1L << 30)) {
                yaml.put("max_message_size", Integer.valueOf(packet));
            } else {
                note("pgbouncer", "max_packet_size", packet + " is outside pgmux's max_message_size range (1kB..1GB);"
                        + " pgmux's default 64MB applies");
            }
        }
    }

    /** auth_type = hba: pgmux reads the same files, as hba_file and ident_file. */
    private void hbaFiles(Map<String, String> settings) {
        String hba = settings.get("auth_hba_file");
        if (hba == null || hba.isBlank()) {
            note("pgbouncer", "auth_type", "hba without auth_hba_file (PgBouncer refuses every login then); client_auth"
                    + " stays trust: give hba_file before you use this file");
            return;
        }
        yaml.put("hba_file", hba);
        String ident = settings.get("auth_ident_file");
        if (ident != null && !ident.isBlank()) {
            yaml.put("ident_file", ident);
        }
    }

    // ---------------------------------------------------------------- [databases]

    /** An entry's {@code key=value ...} string, or null (with a note) when it cannot be read. */
    private Map<String, String> connectionString(String section, String name, String value) {
        try {
            return ConnectionString.parse(value);
        } catch (IllegalArgumentException bad) {
            note(section, name, "not carried: " + bad.getMessage());
            return null;
        }
    }

    private void convertDatabases(Map<String, String> databases) {
        Map<String, Object> listed = new LinkedHashMap<>();
        boolean fallback = false;
        for (Map.Entry<String, String> e : databases.entrySet()) {
            String name = e.getKey();
            Map<String, String> conn = connectionString("databases", name, e.getValue());
            if (conn == null) {
                continue;
            }
            if (name.equals("*")) {
                fallback = true;
                convertFallback(conn);
                continue;
            }
            Map<String, Object> db = new LinkedHashMap<>();
            for (Map.Entry<String, String> kv : conn.entrySet()) {
                String key = kv.getKey();
                String value = kv.getValue();
                if (meansTheGlobalLimit(key, value)) {
                    continue;
                }
                switch (key) {
                    case "host" -> db.put("host", hostList(name, value));
                    case "load_balance_hosts" -> db.put(key, value);
                    case "port", "pool_size", "min_pool_size", "max_db_connections", "max_db_client_connections" ->
                            db.put(key, scalar(value));
                    case "reserve_pool", "reserve_pool_size" -> db.put("reserve_pool_size", scalar(value));
                    case "server_lifetime" -> { // PgBouncer: whole seconds, and 0 (or unset) is the global one
                        if (!NUMBER.matcher(value).matches() || value.length() >= 10) {
                            note("databases", name + "." + key, "\"" + value + "\" is not a number of seconds");
                        } else if (Integer.parseInt(value) > 0) {
                            db.put(key, Integer.valueOf(value));
                        }
                    }
                    case "dbname", "user", "password", "pool_mode", "auth_user", "auth_query", "auth_dbname", "connect_query" ->
                            db.put(key, value);
                    default -> note("databases", name + "." + key, reasonFor(key));
                }
            }
            listed.put(name, db);
        }
        if (!fallback) {
            yaml.put("upstream", ""); // as PgBouncer: only the listed databases
        }
        yaml.put("databases", listed);
    }

    private void convertFallback(Map<String, String> conn) {
        String host = conn.containsKey("host") ? firstHost("*", conn.get("host")) : "127.0.0.1";
        String port = conn.getOrDefault("port", "5432");
        if (host != null) {
            yaml.put("upstream", (host.contains(":") ? "[" + host + "]" : host) + ":" + port);
        }
        for (String key : conn.keySet()) {
            if (!key.equals("host") && !key.equals("port")) {
                note("databases", "*." + key, "pgmux's upstream (the fallback database) takes only host and port;"
                        + " the global settings apply to it");
            }
        }
    }

    /** A host list as pgmux reads it ({@code a,b}); pgmux connects to servers by TCP, never by a Unix socket. */
    private String hostList(String database, String hosts) {
        List<String> kept = new ArrayList<>();
        for (String host : hosts.split("\\s*,\\s*")) {
            if (host.startsWith("/") || host.startsWith("@")) {
                note("databases", database + ".host", "a Unix socket (" + host + "): pgmux connects to servers"
                        + " by TCP; 127.0.0.1 is used");
                host = "127.0.0.1";
            }
            kept.add(host.strip());
        }
        return String.join(",", kept);
    }

    /** The fallback database takes one host: the first of a list. */
    private String firstHost(String database, String hosts) {
        String first = hostList(database, hosts).split(",")[0];
        if (hosts.indexOf(',') >= 0) {
            note("databases", database + ".host", "pgmux's upstream (the fallback database) has one host; " + first
                    + " is kept (PgBouncer balances over " + hosts + ")");
        }
        return first;
    }

    // ---------------------------------------------------------------- [users] and the auth file

    private void convertUsers(Map<String, String> userSettings, Map<String, String> passwords) {
        if (!anyUser) {
            // PgBouncer's trust (and its hba's) admits only the auth file's users, an empty password included
            yaml.put("trust_users", new ArrayList<>(passwords.keySet()));
        }
        Object auth = yaml.getOrDefault("client_auth", "trust");
        Map<String, Object> users = new LinkedHashMap<>();
        passwords.forEach((name, password) -> {
            if (password.isEmpty()) {
                note("auth_file", name, "an empty password: PgBouncer refuses this user's logins; not carried");
            } else if (auth.equals("scram-sha-256") && password.startsWith("md5")) {
                note("auth_file", name, "an md5 hash cannot be checked with scram-sha-256 (PgBouncer refuses this user's"
                        + " logins too); not carried");
            } else {
                Map<String, Object> user = new LinkedHashMap<>();
                user.put("password", password);
                users.put(name, user);
            }
        });
        for (Map.Entry<String, String> e : userSettings.entrySet()) {
            String name = e.getKey();
            Map<String, String> conn;
            try {
                conn = ConnectionString.parse(e.getValue());
            } catch (IllegalArgumentException bad) {
                note("users", name, "not carried: " + bad.getMessage());
                continue;
            }
            Map<String, Object> own = userSettings(name, conn);
            if (own.isEmpty()) {
                continue;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> user = (Map<String, Object>) users.get(name);
            if (user == null && !auth.equals("trust") && !yaml.containsKey("auth_user")) {
                note("users", name, "not in the auth file: pgmux needs a password for it under client_auth "
                        + auth + "; not carried");
                continue;
            }
            if (user == null) {
                user = new LinkedHashMap<>();
                users.put(name, user);
            }
            user.putAll(own);
        }
        if (!users.isEmpty()) {
            yaml.put("users", users);
        }
        for (String key : List.of("admin_users", "stats_users")) {
            @SuppressWarnings("unchecked")
            List<String> names = (List<String>) yaml.get(key);
            // with a global auth_user and auth_dbname, the console looks its users up as PgBouncer's does
            boolean lookedUp = yaml.containsKey("auth_user") && yaml.containsKey("auth_dbname");
            if (names != null && !auth.equals("trust") && !lookedUp) {
                List<String> known = names.stream().filter(users::containsKey).toList();
                names.stream().filter(n -> !users.containsKey(n)).forEach(n -> note("pgbouncer", key + " " + n,
                        "not in the auth file: pgmux needs its password under client_auth " + auth + "; not carried"));
                yaml.put(key, known);
            }
        }
        if (!auth.equals("trust") && users.isEmpty()) {
            note("auth_file", null, "no users with a password: pgmux refuses client_auth " + auth + " without users;"
                    + " client_auth is written as trust");
            yaml.put("client_auth", "trust");
        }
    }

    /**
     * A [users] entry's keys as pgmux's: all of PgBouncer 1.25's. A timeout of 0 (or less) is PgBouncer's
     * "the global one", and a pool_size or reserve_pool_size below 0 its "not set": both left out.
     */
    private Map<String, Object> userSettings(String name, Map<String, String> conn) {
        Map<String, Object> own = new LinkedHashMap<>();
        for (Map.Entry<String, String> kv : conn.entrySet()) {
            String key = kv.getKey();
            String value = kv.getValue();
            if (meansTheGlobalLimit(key, value)) {
                continue;
            }
            switch (key) {
                case "max_user_connections", "max_user_client_connections", "reserve_pool_size" -> {
                    if (!value.startsWith("-")) {
                        own.put(key, scalar(value));
                    }
                }
                case "pool_size" -> {
                    if (value.equals("0")) {
                        note("users", name + ".pool_size", "0 (PgBouncer opens no server for this user's pools);"
                                + " pgmux's pool_size is at least 1: the database's or the global one applies");
                    } else if (!value.startsWith("-")) {
                        own.put(key, scalar(value));
                    }
                }
                case "pool_mode" -> own.put(key, value);
                case "query_timeout", "idle_transaction_timeout", "transaction_timeout", "client_idle_timeout" -> {
                    // PgBouncer reads these with atoi: whole seconds, 0 = the global one
                    if (NUMBER.matcher(value).matches() && Long.parseLong(value) > 0) {
                        own.put(key, Integer.valueOf(value));
                    } else if (!NUMBER.matcher(value).matches()) {
                        note("users", name + "." + key, "\"" + value + "\" is not a number of seconds");
                    }
                }
                default -> note("users", name + "." + key, "PgBouncer has no such per-user setting");
            }
        }
        return own;
    }

    // ---------------------------------------------------------------- values and notes

    /**
     * PgBouncer reads a duration as a number of seconds, fractions allowed, and refuses the file
     * for anything else; so does the conversion (a unit, as pgmux writes them, is taken too).
     */
    private void putDuration(String section, String key, String pgmuxKey, String value, Map<String, Object> into)
            throws IOException {
        if (FRACTIONAL_SECONDS.matcher(value.strip()).matches()) {
            into.put(pgmuxKey, Math.round(Double.parseDouble(value.strip()) * 1000) + "ms");
            return;
        }
        Matcher m = DURATION.matcher(value.strip());
        if (!m.matches()) {
            throw new IOException("[" + section + "] " + key + " = " + value + ": not a number of seconds"
                    + " (PgBouncer refuses the file)");
        }
        String unit = m.group(2);
        if (unit == null || unit.equals("s")) {
            into.put(pgmuxKey, Integer.valueOf(m.group(1)));
        } else if (unit.equals("ms") || unit.equals("h")) {
            into.put(pgmuxKey, m.group(1) + unit);
        } else if (unit.equals("min")) {
            into.put(pgmuxKey, m.group(1) + "m");
        } else if (unit.equals("d")) {
            into.put(pgmuxKey, Long.parseLong(m.group(1)) * 24 + "h");
        } else {
            into.put(pgmuxKey, Math.max(1, Long.parseLong(m.group(1)) / 1000) + "ms");
        }
    }

    /**
     * A database's or user's connection limit of 0 (or less) is PgBouncer's "the global one"; in
     * pgmux a name's own 0 is "no limit", so it is left out.
     */
    private static boolean meansTheGlobalLimit(String key, String value) {
        return NAME_LIMITS.contains(key) && NUMBER.matcher(value).matches() && value.length() < 10
                && Integer.parseInt(value) <= 0;
    }

    /** A plain number as a YAML integer (pgmux reads counts only unquoted); anything else as text. */
    private static Object scalar(String value) {
        if (NUMBER.matcher(value).matches() && value.length() < 10) {
            return Integer.valueOf(value);
        }
        return value;
    }

    private void note(String section, String key, String why) {
        notes.add("[" + section + "]" + (key != null ? " " + key : "") + ": " + why);
    }

    private static String reasonFor(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        if (k.endsWith("_tls_ciphers")) {
            return "an OpenSSL cipher string; pgmux takes IANA suite names (client_tls.ciphers): the TLS engine's defaults apply";
        }
        if (k.startsWith("client_tls_") || k.startsWith("server_tls_")) {
            return "pgmux's TLS has no such setting (client_tls and server_tls take modes, files and protocols)";
        }
        if (k.equals("logfile") || k.startsWith("syslog") || k.startsWith("log_")) {
            return "pgmux logs to standard output (log.level, log.format)";
        }
        if (k.equals("auth_hba_file") || k.equals("auth_ident_file")) {
            return "not carried with auth_type as it is; pgmux's hba_file reads pg_hba.conf syntax: set it with client_auth";
        }
        if (k.startsWith("auth_")) {
            return "pgmux has no such setting (it has auth_user, auth_query, auth_dbname and, for auth_type hba, hba_file)";
        }
        return switch (k) {
            case "pidfile", "user" -> "pgmux does not daemonize; run it under a supervisor (systemd, Kubernetes)";
            case "connect_query" -> "PgBouncer reads it per database only; give it under [databases]";
            case "client_encoding", "datestyle", "timezone", "application_name" ->
                    "pgmux passes the client's own startup settings; no per-database default";
            case "server_reset_query_always" -> "pgmux runs server_reset_query in session mode only";
            default -> "pgmux has no such setting";
        };
    }
}
