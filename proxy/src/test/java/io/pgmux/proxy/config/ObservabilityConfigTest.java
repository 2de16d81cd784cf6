package io.pgmux.proxy.config;

import io.pgmux.proxy.testing.LogCapture;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The keys of the admin console, the HTTP endpoint, statistics and logging. */
class ObservabilityConfigTest {

    private static ObservabilityConfig parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml, Map.of()).observability();
    }

    private static List<String> errors(String yaml) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, Map.of())).errors();
    }

    @Test
    void everyKeyIsRead() throws ConfigException {
        ObservabilityConfig config = parse("""
                admin_users: [alice, bob]
                stats_users: "carol, dave"
                stats_period: 15s
                http:
                  listen: "0.0.0.0:9200"
                log:
                  level: debug
                  format: json
                """);

        assertEquals(new ObservabilityConfig(List.of("alice", "bob"), List.of("carol", "dave"),
                new HostPort("0.0.0.0", 9200), Duration.ofSeconds(15), LogLevel.DEBUG, LogFormat.JSON), config);
    }

    @Test
    void anEmptyOrNullHttpListenTurnsTheEndpointOff() throws ConfigException {
        assertNull(parse("http:\n  listen: \"\"\n").httpListen());
        assertNull(parse("http:\n  listen: null\n").httpListen());
        assertEquals(ObservabilityConfig.DEFAULT_HTTP_LISTEN, parse("http:\n").httpListen());
    }

    @Test
    void badValuesAreNamedByTheirPath() {
        assertEquals(List.of(
                        "admin_users: a name must not be empty",
                        "stats_users: must be a list of names (got a mapping)",
                        "stats_period: must be at least PT1S",
                        "http.listen: expected host:port (got \"9127\")",
                        "http.port: unknown key",
                        "log.level: must be one of error, warn, info, debug, trace (got \"loud\")",
                        "log.format: must be one of plain, json (got \"xml\")"),
                errors("""
                        admin_users: ["alice", ""]
                        stats_users: {carol: 1}
                        stats_period: 500ms
                        http:
                          listen: "9127"
                          port: 9127
                        log:
                          level: loud
                          format: xml
                        """));
    }

    /* Only that user's console logins fail (ImperfectUserEntriesIT): the config is used, with a warning. */
    @Test
    void aConsoleUserWithoutAPasswordIsAWarning() throws ConfigException {
        try (LogCapture log = LogCapture.start()) {
            PgmuxConfig config = ConfigLoader.parse("""
                        client_auth: md5
                        admin_users: [root, alice]
                        users:
                          alice:
                            password: secret
                        """, Map.of());

            assertEquals(List.of("root", "alice"), config.observability().adminUsers());
            assertEquals(1, log.containing("admin_users: \"root\" is not listed under users: with client_auth md5 it needs"
                    + " a password there to log in to the admin console").size(), log.events()::toString);
        }
    }

    @Test
    void theConsoleDatabaseNamesAreReserved() {
        assertEquals(List.of("databases.pgbouncer: the name is reserved for the admin console (connect to it to run"
                        + " SHOW POOLS, RELOAD...)"),
                errors("databases:\n  pgbouncer: {}\n"));
    }
}
