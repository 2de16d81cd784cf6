package io.pgmux.proxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** Keys set by {@code PGMUX_} environment variables, given to the loader as a map. */
class ConfigEnvironmentTest {

    private static List<String> errors(String yaml, Map<String, String> env) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, env)).errors();
    }

    @Test
    void eachKeysVariableIsItsNameInUpperCaseWithTheDotAsAnUnderscore() {
        List<String> variables = ConfigEnvironment.variables();

        assertEquals(ConfigKeys.ALL.size(), Set.copyOf(variables).size(), "one variable per key: " + variables);
        assertTrue(variables.containsAll(List.of("PGMUX_POOL_SIZE", "PGMUX_LISTEN", "PGMUX_HTTP_LISTEN",
                "PGMUX_LOG_LEVEL", "PGMUX_MAX_CLIENT_CONNECTIONS", "PGMUX_DATABASES")), variables.toString());
        assertFalse(variables.contains(ConfigEnvironment.CONFIG_FILE));
    }

    @Test
    void everyKeyCanBeSetByItsVariableAlone() throws ConfigException {
        // given every key's non-default value, as SHOW CONFIG writes it (the mappings are YAML: tested below)
        PgmuxConfig everyKeySet = ConfigLoader.parse(ConfigKeysTest.EVERY_KEY_SET, Map.of());
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            if (key.isMapping()) {
                continue;
            }
            // when only its variable is set, on a file with only the users (which client_auth md5 needs)
            // and a certificate and key (which client_tls.mode require needs)
            PgmuxConfig config = ConfigLoader.parse("users: {alice: {password: a}, bob: {password: b}}\n"
                    + "client_tls: {cert_file: src/test/resources/tls/config-test.crt, key_file: src/test/resources/tls/config-test.key}\n",
                    Map.of(key.environmentVariable(), shown(key, everyKeySet)));

            // then the key has that value, not its default
            assertEquals(key.valueIn(everyKeySet), key.valueIn(config), key.environmentVariable());
            assertNotEquals(key.defaultValue(), key.valueIn(config), key.environmentVariable());
        }
    }

    private static <T> String shown(ConfigKey<T> key, PgmuxConfig config) {
        return key.show(key.valueIn(config));
    }

    @Test
    void aVariableWinsOverTheFileAndLeavesTheFilesOtherKeys() throws ConfigException {
        PgmuxConfig config = ConfigLoader.parse("pool_size: 5\nshutdown_timeout: 7s\nhttp: {listen: \"127.0.0.1:9300\"}\n",
                Map.of("PGMUX_POOL_SIZE", "50", "PGMUX_LOG_FORMAT", "json"));

        assertEquals(50, config.poolSize());
        assertEquals(Duration.ofSeconds(7), config.shutdownTimeout());
        assertEquals(new HostPort("127.0.0.1", 9300), config.observability().httpListen());
        assertEquals(LogFormat.JSON, config.observability().logFormat());
    }

    @Test
    void aNestedKeysVariableReplacesOnlyThatKeyOfItsSection() throws ConfigException {
        PgmuxConfig config = ConfigLoader.parse("log: {level: debug, format: json}\n",
                Map.of("PGMUX_LOG_LEVEL", "warn"));

        assertEquals(LogLevel.WARN, config.observability().logLevel());
        assertEquals(LogFormat.JSON, config.observability().logFormat());
    }

    @Test
    void anEmptyHttpListenTurnsTheEndpointOffAsInTheFile() throws ConfigException {
        PgmuxConfig config = ConfigLoader.parse("http: {listen: \"0.0.0.0:9127\"}\n", Map.of("PGMUX_HTTP_LISTEN", ""));

        assertNull(config.observability().httpListen());
    }

    @Test
    void theGlobalPoolSizeFromTheEnvironmentReachesDatabasesThatDoNotSetTheirOwn() throws ConfigException {
        PgmuxConfig config = ConfigLoader.parse("databases: {app: {}, reports: {pool_size: 3}}\n",
                Map.of("PGMUX_POOL_SIZE", "40"));

        assertEquals(40, config.databases().get("app").poolSize());
        assertEquals(3, config.databases().get("reports").poolSize());
    }

    @Test
    void anInvalidValueIsReportedWithItsKeyAndItsVariable() {
        assertEquals(List.of("pool_size: must be 1..100000 (from the environment variable PGMUX_POOL_SIZE)",
                        "http.listen: expected host:port (got \"nowhere\") (from the environment variable PGMUX_HTTP_LISTEN)"),
                errors("", Map.of("PGMUX_POOL_SIZE", "0", "PGMUX_HTTP_LISTEN", "nowhere")));
    }

    @Test
    void theFilesOwnErrorsDoNotNameAVariable() {
        assertEquals(List.of("pool_size: must be an integer"), errors("pool_size: many\n", Map.of("PGMUX_LOG_LEVEL", "info")));
    }

    @Test
    void databasesAndUsersAreYamlWithPasswordReferencesAsInTheFile() throws ConfigException {
        PgmuxConfig config = ConfigLoader.parse("databases: {old: {}}\n", Map.of(
                "PGMUX_DATABASES", "{app: {host: db.internal, port: 5433, pool_size: 8}}",
                "PGMUX_USERS", "alice:\n  password: \"${ALICE_PASSWORD}\"\n",
                "ALICE_PASSWORD", "s3cret"));

        assertEquals(List.of("app"), List.copyOf(config.databases().keySet()), "the variable replaces the file's databases");
        DatabaseConfig app = config.databases().get("app");
        assertEquals(new HostPort("db.internal", 5433), app.server());
        assertEquals(8, app.poolSize());
        assertEquals("s3cret", config.users().get("alice").password());
    }

    @Test
    void errorsInsideAYamlVariableNameTheVariable() {
        assertEquals(List.of("databases.app.port: must be 1..65535 (from the environment variable PGMUX_DATABASES)",
                        "databases.app.colour: unknown key (from the environment variable PGMUX_DATABASES)"),
                errors("", Map.of("PGMUX_DATABASES", "{app: {port: 0, colour: blue}}")));
        List<String> syntax = errors("", Map.of("PGMUX_USERS", "{alice: "));
        assertEquals(1, syntax.size(), syntax.toString());
        assertTrue(syntax.get(0).startsWith("users: syntax error"), syntax.toString());
        assertTrue(syntax.get(0).endsWith("(from the environment variable PGMUX_USERS)"), syntax.toString());
    }

    @Test
    void otherPgmuxVariablesAreNoErrorButAreListedAsUnknown() throws ConfigException {
        Map<String, String> env = Map.of("PGMUX_POOLSIZE", "5", "PGMUX_CONFIG", "/etc/pgmux/pgmux.yaml",
                "PGMUX_POOL_SIZE", "6", "PGMUX_LISTEN", "0.0.0.0:6432", "PATH", "/bin");

        assertEquals(6, ConfigLoader.parse("", env).poolSize());
        assertEquals(List.of("PGMUX_POOLSIZE"), ConfigEnvironment.unknownIn(env));
        assertEquals(List.of("PGMUX_LISTEN", "PGMUX_POOL_SIZE"), ConfigEnvironment.setIn(env), "in the order of the keys");
    }

    @Test
    void pgmuxConfigNamesTheFileUnlessItIsBlank() {
        assertEquals(Optional.of(Path.of("/etc/pgmux/pgmux.yaml")),
                ConfigEnvironment.configFile(Map.of("PGMUX_CONFIG", "/etc/pgmux/pgmux.yaml")));
        assertEquals(Optional.empty(), ConfigEnvironment.configFile(Map.of("PGMUX_CONFIG", " ")));
        assertEquals(Optional.empty(), ConfigEnvironment.configFile(Map.of()));
    }
}
