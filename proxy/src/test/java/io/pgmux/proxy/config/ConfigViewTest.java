package io.pgmux.proxy.config;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigViewTest {

    @Test
    void showConfigListsEveryKeyWithItsDefaultAndNeverAPassword() throws ConfigException {
        PgmuxConfig config = ConfigLoader.parse("""
                pool_size: 7
                users:
                  alice:
                    password: very-secret
                """, Map.of());

        List<ConfigView.Setting> settings = ConfigView.settings(config);

        assertEquals(new ConfigView.Setting("pool_size", "7", "20", true), find(settings, "pool_size"));
        assertEquals(new ConfigView.Setting("listen", "127.0.0.1:6432", "127.0.0.1:6432", false), find(settings, "listen"));
        assertEquals("alice", find(settings, "users").value());
        assertEquals("7", find(settings, "default_pool_size").value(), "PgBouncer's name for pool_size");
        assertFalse(settings.toString().contains("very-secret"));
    }

    @Test
    void showConfigListsPgmuxKeysInOrderWithTheirDefaultsThenPgBouncersNames() {
        List<String> rows = ConfigView.settings(PgmuxConfig.defaults()).stream()
                .map(s -> s.key() + " = " + s.defaultValue() + (s.changeable() ? "" : " (restart)"))
                .toList();

        assertEquals(List.of(
                "listen = 127.0.0.1:6432 (restart)",
                "so_reuseport = false (restart)",
                "event_loops = 0 (restart)",
                "transport = auto (restart)",
                "max_client_connections = 10000",
                "max_pending_logins = 10000",
                "client_login_timeout = 60s",
                "admin_reserved_connections = 3",
                "max_db_client_connections = 0",
                "max_user_client_connections = 0",
                "max_message_size = 64MB (restart)",
                "client_auth = trust",
                "trust_users = ",
                "auth_user = ",
                "auth_query = " + AuthQueryConfig.DEFAULT_QUERY,
                "auth_dbname = ",
                "auth_cache_ttl = 30s",
                "ident_maps = ",
                "ident_file = ",
                "hba = ",
                "hba_file = ",
                "auth_failure_delay = 200ms",
                "auth_failure_max_delay = 5s",
                "admin_users = ",
                "stats_users = ",
                "pool_mode = transaction",
                "pool_size = 20",
                "query_wait_timeout = 120s",
                "max_pools = 1000",
                "pool_idle_timeout = 60s",
                "min_pool_size = 0",
                "reserve_pool_size = 0",
                "reserve_pool_timeout = 5s",
                "max_db_connections = 0",
                "max_user_connections = 0",
                "session_features = pin",
                "max_pinned_servers = 0",
                "server_connect_timeout = 15s",
                "server_login_retry = 1s",
                "server_idle_timeout = 600s",
                "server_lifetime = 3600s",
                "server_reset_query = DISCARD ALL",
                "dns_max_ttl = 15s",
                "shutdown_timeout = 30s",
                "query_timeout = 0s",
                "idle_transaction_timeout = 0s",
                "client_idle_timeout = 0s",
                "transaction_timeout = 0s",
                "server_check_delay = 30s",
                "server_check_query = ",
                "tcp_keepalive = true",
                "tcp_keepidle = 0s",
                "tcp_keepintvl = 0s",
                "tcp_keepcnt = 0",
                "tcp_user_timeout = 0s",
                "upstream = 127.0.0.1:5432",
                "users = ",
                "databases = ",
                "prepared_statements = auto",
                "max_prepared_statements = 200",
                "max_client_prepared_statements = 10000 (restart)",
                "max_client_prepared_statements_size = 16MB (restart)",
                "stats_period = 60s",
                "http.listen = 127.0.0.1:9127 (restart)",
                "log.level = info",
                "log.format = plain",
                "application_name_add_host = false",
                "unix_socket_dir = /tmp (restart)",
                "unix_socket_mode = 0777 (restart)",
                "unix_socket_group =  (restart)",
                "unix_socket_auth = client_auth",
                "unix_socket_admin_user = ",
                "client_tls.mode = disable",
                "client_tls.cert_file = ",
                "client_tls.key_file = ",
                "client_tls.verify = none",
                "client_tls.ca_file = ",
                "client_tls.protocols = TLSv1.2,TLSv1.3",
                "client_tls.ciphers = ",
                "server_tls.sslmode = prefer",
                "server_tls.root_cert = null",
                "server_tls.cert_file = null",
                "server_tls.key_file = null",
                "server_tls.host_name = null",
                "server_tls.sslnegotiation = postgres",
                "server_tls.channel_binding = prefer",
                "peer_id = 0 (restart)",
                "peers = ",
                "peer_refresh = 5s",
                "ignore_startup_parameters = ",
                "track_extra_parameters = IntervalStyle (restart)",
                "connect_query = ",
                "server_fast_close = false",
                "query_wait_notify = 5s",
                "listen_addr = 127.0.0.1 (restart)",
                "listen_port = 6432 (restart)",
                "auth_type = trust",
                "max_client_conn = 10000",
                "default_pool_size = 20",
                "verbose = 0"), rows);
    }

    @Test
    void aReloadKeepsWhatCannotChangeAndReportsIt() throws ConfigException {
        PgmuxConfig running = ConfigLoader.parse("listen: \"127.0.0.1:6432\"\npool_size: 5\n", Map.of());
        PgmuxConfig file = ConfigLoader.parse("listen: \"0.0.0.0:7000\"\npool_size: 9\nstats_period: 10s\n", Map.of());

        List<ConfigView.Setting> changes = ConfigView.changes(running, file);
        PgmuxConfig effective = ConfigView.keepUnchangeable(running, file);

        assertEquals(List.of("listen", "pool_size", "stats_period"), changes.stream().map(ConfigView.Setting::key).toList());
        assertFalse(changes.get(0).changeable());
        assertTrue(changes.get(1).changeable());
        assertEquals(running.listen(), effective.listen());
        assertEquals(9, effective.poolSize());
        assertEquals(file.observability().statsPeriod(), effective.observability().statsPeriod());
        assertEquals(List.of(), ConfigView.changes(running, ConfigView.keepUnchangeable(running, running)));
    }

    @Test
    void theLoginLimitsAreShownAndApplyAtReload() throws ConfigException {
        PgmuxConfig running = ConfigLoader.parse("", Map.of());
        PgmuxConfig file = ConfigLoader.parse("client_login_timeout: 5s\nmax_pending_logins: 50\n"
                + "admin_reserved_connections: 1\n", Map.of());

        List<ConfigView.Setting> changes = ConfigView.changes(running, file);
        PgmuxConfig effective = ConfigView.keepUnchangeable(running, file);

        assertEquals(List.of(new ConfigView.Setting("max_pending_logins", "50", "10000", true),
                new ConfigView.Setting("client_login_timeout", "5s", "60s", true),
                new ConfigView.Setting("admin_reserved_connections", "1", "3", true)), changes);
        assertEquals(file.loginLimits(), effective.loginLimits());
        assertEquals(new ConfigView.Setting("client_login_timeout", "60s", "60s", true),
                find(ConfigView.settings(running), "client_login_timeout"));
    }

    private static ConfigView.Setting find(List<ConfigView.Setting> settings, String key) {
        return settings.stream().filter(s -> s.key().equals(key)).findFirst().orElseThrow();
    }
}
