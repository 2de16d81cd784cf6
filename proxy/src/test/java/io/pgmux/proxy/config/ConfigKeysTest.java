package io.pgmux.proxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

class ConfigKeysTest {
    /** Every key at a value of its own, none the default (a new key must be added here). */
    static final String EVERY_KEY_SET = """
            listen: "0.0.0.0:7001"
            so_reuseport: true
            event_loops: 3
            transport: nio
            max_client_connections: 501
            max_pending_logins: 502
            client_login_timeout: 11s
            admin_reserved_connections: 4
            max_db_client_connections: 31
            max_user_client_connections: 32
            max_message_size: 2MB
            client_auth: md5
            trust_users: [alice]
            auth_user: alice
            auth_query: "SELECT usename, passwd FROM pgbouncer.get_auth($1)"
            auth_dbname: auth_db
            auth_cache_ttl: 5s
            ident_maps: [{map: certs, system: "/^(.*)@example\\\\.com$", user: "\\\\1"}]
            ident_file: ../conf/pg_ident.conf
            hba: [{type: host, database: app, user: alice, address: 10.0.0.0/8, method: md5}]
            hba_file: ../conf/pg_hba.conf
            auth_failure_delay: 1s
            auth_failure_max_delay: 9s
            admin_users: [alice]
            stats_users: "bob"
            pool_mode: session
            pool_size: 21
            query_wait_timeout: 12s
            max_pools: 503
            pool_idle_timeout: 13s
            min_pool_size: 2
            reserve_pool_size: 3
            reserve_pool_timeout: 4s
            max_db_connections: 40
            max_user_connections: 41
            session_features: reject
            max_pinned_servers: 3
            server_connect_timeout: 14s
            server_login_retry: 15s
            server_idle_timeout: 16s
            server_lifetime: 17s
            server_reset_query: "RESET ALL"
            dns_max_ttl: 42s
            shutdown_timeout: 18s
            query_timeout: 21s
            idle_transaction_timeout: 22s
            client_idle_timeout: 23s
            transaction_timeout: 29s
            server_check_delay: 24s
            server_check_query: "select 1"
            tcp_keepalive: false
            tcp_keepidle: 25s
            tcp_keepintvl: 26s
            tcp_keepcnt: 5
            tcp_user_timeout: 2500
            upstream: "db.internal:5433"
            users: {alice: {password: a}, bob: {password: b}}
            databases: {app: {pool_size: 3, prepared_statements: passthrough}}
            prepared_statements: reject
            max_prepared_statements: 201
            max_client_prepared_statements: 10001
            max_client_prepared_statements_size: 17MB
            stats_period: 19s
            http: {listen: "0.0.0.0:9001"}
            log: {level: debug, format: json}
            application_name_add_host: true
            unix_socket_dir: /var/run/pgmux
            unix_socket_mode: "0770"
            unix_socket_group: pgmux
            unix_socket_auth: peer
            unix_socket_admin_user: pgbouncer
            client_tls: {mode: require, cert_file: src/test/resources/tls/config-test.crt, key_file: src/test/resources/tls/config-test.key,
                         ca_file: src/test/resources/tls/config-test.crt, verify: verify-full, protocols: [TLSv1.3],
                         ciphers: [TLS_AES_128_GCM_SHA256]}
            server_tls: {sslmode: verify-full, root_cert: /etc/ca.pem, cert_file: /etc/c.pem, key_file: /etc/k.pem,
                         host_name: db.example.com, sslnegotiation: direct, channel_binding: require}
            peer_id: 7
            peers: [{id: 8, host: 10.0.0.8, port: 6433}, {dns: pgmux-peers.default.svc.cluster.local}]
            peer_refresh: 2s
            ignore_startup_parameters: extra_float_digits, options
            track_extra_parameters: [search_path]
            connect_query: SET enable_seqscan = off
            server_fast_close: true
            query_wait_notify: 2s
            """;

    @Test
    void everyKeyHasItsOwnYamlName() {
        List<String> names = ConfigKeys.ALL.stream().map(ConfigKey::name).toList();

        assertEquals(names.size(), Set.copyOf(names).size(), names.toString());
        names.forEach(name -> assertTrue(name.matches("[a-z_]+(\\.[a-z_]+)?"), name));
    }

    @Test
    void aFileThatSetsEveryKeyChangesEachFromItsDefault() throws ConfigException {
        PgmuxConfig config = ConfigLoader.parse(EVERY_KEY_SET, Map.of());

        for (ConfigKey<?> key : ConfigKeys.ALL) {
            assertNotEquals(key.defaultValue(), key.valueIn(config), key + " is set in EVERY_KEY_SET");
        }
    }

    @Test
    void theTypedConfigKeepsEachKeyWhereItsDeclarationReadsIt() throws ConfigException {
        PgmuxConfig config = ConfigLoader.parse(EVERY_KEY_SET, Map.of());

        assertEquals(config, ConfigValues.of(config).toConfig());
        assertEquals(PgmuxConfig.defaults(), ConfigValues.defaults().toConfig());
    }

    @Test
    void showConfigShowsEachValueAsTheFileWritesIt() throws ConfigException {
        PgmuxConfig config = ConfigLoader.parse(EVERY_KEY_SET, Map.of());

        Map<String, String> shown = ConfigView.settings(config).stream()
                .collect(Collectors.toMap(ConfigView.Setting::key, s -> Objects.toString(s.value())));

        assertEquals("0.0.0.0:7001", shown.get("listen"));
        assertEquals("11s", shown.get("client_login_timeout"));
        assertEquals("2MB", shown.get("max_message_size"));
        assertEquals("md5", shown.get("client_auth"));
        assertEquals("alice", shown.get("admin_users"));
        assertEquals("session", shown.get("pool_mode"));
        assertEquals("RESET ALL", shown.get("server_reset_query"));
        assertEquals("alice,bob", shown.get("users"));
        assertEquals("app", shown.get("databases"));
        assertEquals("reject", shown.get("prepared_statements"));
        assertEquals("0.0.0.0:9001", shown.get("http.listen"));
        assertEquals("json", shown.get("log.format"));
        assertEquals("2500ms", shown.get("tcp_user_timeout"));
        assertEquals("false", shown.get("tcp_keepalive"));
    }

    @Test
    void tcpSettingsReadAsPgBouncerWritesThem() throws ConfigException {
        PgmuxConfig config = ConfigLoader.parse("tcp_keepalive: 1\ntcp_keepidle: 30\ntcp_user_timeout: 10000\n", Map.of());

        assertEquals(new TcpKeepalive(true, java.time.Duration.ofSeconds(30), java.time.Duration.ZERO, 0,
                java.time.Duration.ofSeconds(10)), config.timeouts().keepalive());
        ConfigException partSecond = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("tcp_keepidle: 1500ms\ntcp_keepalive: maybe\n", Map.of()));
        assertEquals(List.of("tcp_keepalive: must be true or false (got \"maybe\")",
                "tcp_keepidle: must be whole seconds (got \"1500ms\")"), partSecond.errors());
    }

    @Test
    void aReloadAppliesTheReloadableKeysAndKeepsTheRunningValueOfTheOthers() throws ConfigException {
        PgmuxConfig running = ConfigLoader.parse("databases: {app: {pool_size: 2}}\n", Map.of());
        PgmuxConfig file = ConfigLoader.parse(EVERY_KEY_SET, Map.of());

        PgmuxConfig effective = ConfigView.keepUnchangeable(running, file);
        List<ConfigView.Setting> changes = ConfigView.changes(running, file);

        assertEquals(ConfigKeys.ALL.stream().map(ConfigKey::name).toList(),
                changes.stream().map(ConfigView.Setting::key).toList(), "every key changed");
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            if (key == ConfigKeys.DATABASES) {
                continue;
            }
            PgmuxConfig expected = key.reloadable() ? file : running;
            assertEquals(key.valueIn(expected), key.valueIn(effective), key.name());
        }
        assertEquals(List.of("listen", "so_reuseport", "event_loops", "transport", "max_message_size",
                "max_client_prepared_statements", "max_client_prepared_statements_size", "http.listen", "unix_socket_dir",
                "unix_socket_mode", "unix_socket_group", "peer_id", "track_extra_parameters"),
                changes.stream().filter(s -> !s.changeable()).map(ConfigView.Setting::key).toList());
        // a listed database takes the file's settings but keeps its running prepared_statements
        DatabaseConfig app = effective.databases().get("app");
        assertEquals(3, app.poolSize());
        assertNull(app.preparedStatements());
    }

    @Test
    void theShippedFileSaysWhichKeysNeedARestart() throws IOException {
        String text = Files.readString(Path.of("../conf/pgmux.yaml"));
        String reload = text.substring(text.indexOf("# Reload:"), text.indexOf("\n\n", text.indexOf("# Reload:")));
        String restart = reload.substring(0, reload.indexOf("need a restart")).replace("\n#", "");

        for (ConfigKey<?> key : ConfigKeys.ALL) {
            if (!key.reloadable()) {
                assertTrue(restart.contains(key.name()), key + " is named among the keys that need a restart");
            }
        }
    }

    @Test
    void theReadmeTableNamesEveryKey() throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        String table = readme.substring(readme.indexOf("## Configuration"), readme.indexOf("## Command line"));

        for (ConfigKey<?> key : ConfigKeys.ALL) {
            assertTrue(table.contains("| `" + key.name() + "`") || table.contains(", `" + key.name() + "`"),
                    key + " has a row in the README's configuration table");
        }
    }
}
