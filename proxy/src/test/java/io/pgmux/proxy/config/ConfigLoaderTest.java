package io.pgmux.proxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.pgmux.proxy.testing.LogCapture;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigLoaderTest {
    private static final Path SHIPPED_FILE = Path.of("../conf/pgmux.yaml");

    private static PgmuxConfig parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml, Map.of());
    }

    private static List<String> errors(String yaml) {
        return errors(yaml, Map.of());
    }

    private static List<String> errors(String yaml, Map<String, String> env) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, env)).errors();
    }

    private static void assertOnlyError(String expected, String yaml) {
        assertEquals(List.of(expected), errors(yaml));
    }

    @Nested
    class Defaults {
        @ParameterizedTest
        @ValueSource(strings = {"", "\n", "# nothing but a comment\n", "~", "null\n", "---\n"})
        void anEmptyDocumentGivesTheDefaults(String yaml) throws ConfigException {
            assertEquals(PgmuxConfig.defaults(), parse(yaml));
        }

        @Test
        void theShippedFileGivesTheDefaults() throws ConfigException {
            assertEquals(PgmuxConfig.defaults(), ConfigLoader.load(SHIPPED_FILE, Map.of()));
        }

        @Test
        void theShippedFileSetsAndDocumentsEveryKey() throws IOException {
            List<String> lines = Files.readAllLines(SHIPPED_FILE);
            for (ConfigKey<?> key : ConfigKeys.ALL) {
                String topLevel = key.section().isEmpty() ? key.name() : key.section();
                int at = indexOfLineStartingWith(lines, topLevel + ":");
                assertTrue(at > 0, topLevel + " is set in the shipped file");
                assertTrue(lines.get(at - 1).startsWith("#"), topLevel + " has a comment above it");
                if (!key.section().isEmpty()) {
                    String name = key.nameInSection();
                    List<String> body = lines.subList(at + 1, lines.size()).stream()
                            .takeWhile(line -> line.startsWith("  ")).toList();
                    assertTrue(body.stream().anyMatch(line -> line.startsWith("  " + name + ":")),
                            key + " is set under " + topLevel);
                    assertTrue(commentAbove(lines, at).stream().anyMatch(line -> line.startsWith("#   " + name + " ")),
                            key + " is explained in the comment above " + topLevel);
                }
            }
        }

        @Test
        void theShippedFileDocumentsEveryDatabaseKeyAndTheUserPassword() throws IOException {
            String text = Files.readString(SHIPPED_FILE);
            for (String key : List.of("host", "port", "dbname", "user", "password", "pool_size", "pool_mode")) {
                assertTrue(text.contains("#    " + key + ":"), "databases example shows " + key);
                assertTrue(text.contains("#   " + key + " "), "databases comment explains " + key);
            }
            assertTrue(text.contains("#  alice:\n#    password:"), "users example shows password");
        }

        @Test
        void theDefaultsSendEveryDatabaseToTheLocalPostgres() {
            DatabaseConfig db = PgmuxConfig.defaults().database("shop").orElseThrow();

            assertEquals(DatabaseConfig.forwarding("shop", new HostPort("127.0.0.1", 5432), 20, PoolMode.TRANSACTION), db);
        }

        private List<String> commentAbove(List<String> lines, int at) {
            int start = at;
            while (start > 0 && lines.get(start - 1).startsWith("#")) {
                start--;
            }
            return lines.subList(start, at);
        }

        private int indexOfLineStartingWith(List<String> lines, String prefix) {
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).startsWith(prefix)) {
                    return i;
                }
            }
            return -1;
        }
    }

    @Nested
    class ReadingValues {
        @Test
        void everyKeyIsRead() throws ConfigException {
            String yaml = """
                    listen: "0.0.0.0:7432"
                    event_loops: 4
                    max_client_connections: 500
                    max_message_size: 1MB
                    pool_mode: session
                    pool_size: 7
                    query_wait_timeout: 0
                    pool_idle_timeout: 5m
                    max_pools: 30
                    server_connect_timeout: 500ms
                    server_login_retry: 0s
                    server_idle_timeout: 2m
                    server_lifetime: 1h
                    server_reset_query: ""
                    shutdown_timeout: 5
                    client_auth: scram-sha-256
                    upstream: "db.internal:5433"
                    users:
                      alice:
                        password: secret
                    databases:
                      app:
                        host: 10.0.0.5
                        port: 6543
                        dbname: app_prod
                        user: alice
                        password: other
                        pool_size: 3
                        pool_mode: transaction
                    """;

            PgmuxConfig config = parse(yaml);

            DatabaseConfig app = new DatabaseConfig("app", new HostPort("10.0.0.5", 6543), "app_prod", "alice", "other", 3,
                    PoolMode.TRANSACTION, null, DatabaseLimits.GLOBAL, null, null, null, null, null); // the rest global
            assertEquals(ConfigValues.defaults()
                    .put(ConfigKeys.LISTEN, new HostPort("0.0.0.0", 7432))
                    .put(ConfigKeys.EVENT_LOOPS, 4)
                    .put(ConfigKeys.MAX_CLIENT_CONNECTIONS, 500)
                    .put(ConfigKeys.MAX_MESSAGE_SIZE, 1 << 20)
                    .put(ConfigKeys.POOL_MODE, PoolMode.SESSION)
                    .put(ConfigKeys.POOL_SIZE, 7)
                    .put(ConfigKeys.QUERY_WAIT_TIMEOUT, Duration.ZERO)
                    .put(ConfigKeys.POOL_IDLE_TIMEOUT, Duration.ofMinutes(5))
                    .put(ConfigKeys.MAX_POOLS, 30)
                    .put(ConfigKeys.SERVER_CONNECT_TIMEOUT, Duration.ofMillis(500))
                    .put(ConfigKeys.SERVER_LOGIN_RETRY, Duration.ZERO)
                    .put(ConfigKeys.SERVER_IDLE_TIMEOUT, Duration.ofMinutes(2))
                    .put(ConfigKeys.SERVER_LIFETIME, Duration.ofHours(1))
                    .put(ConfigKeys.SERVER_RESET_QUERY, "")
                    .put(ConfigKeys.SHUTDOWN_TIMEOUT, Duration.ofSeconds(5))
                    .put(ConfigKeys.CLIENT_AUTH, AuthMethod.SCRAM_SHA_256)
                    .put(ConfigKeys.UPSTREAM, new HostPort("db.internal", 5433))
                    .put(ConfigKeys.USERS, Map.of("alice", new UserConfig("alice", "secret")))
                    .put(ConfigKeys.DATABASES, Map.of("app", app))
                    .toConfig(), config);
        }

        @Test
        void theLoginLimitsAreRead() throws ConfigException {
            PgmuxConfig config = parse("client_login_timeout: 1500ms\nmax_pending_logins: 7\nadmin_reserved_connections: 0\n");

            assertEquals(new LoginLimits(Duration.ofMillis(1500), 7, 0), config.loginLimits());
            assertEquals(new LoginLimits(Duration.ofSeconds(60), 10_000, 3), parse("").loginLimits());
        }

        @ParameterizedTest
        @CsvSource({"500ms, PT0.5S", "15s, PT15S", "2m, PT2M", "1h, PT1H", "45, PT45S", "'\"45\"', PT45S",
                    "0, PT0S", "'3 s', PT3S", "10S, PT10S"})
        void durationsTakeSecondsOrASuffix(String written, Duration expected) throws ConfigException {
            assertEquals(expected, parse("query_wait_timeout: " + written).queryWaitTimeout());
        }

        @ParameterizedTest
        @CsvSource({"8192, 8192", "512kB, 524288", "64MB, 67108864", "1GB, 1073741824", "'\"2 mb\"', 2097152"})
        void sizesTakeBytesOrAUnit(String written, int expected) throws ConfigException {
            assertEquals(expected, parse("max_message_size: " + written).maxMessageSize());
        }

        @Test
        void valuesAreTypedByTheirKeyNotByYaml11Guesses() throws ConfigException {
            String yaml = """
                    users:
                      no:
                        password: 0123
                    databases:
                      on:
                        dbname: 2024
                        user: no
                    """;

            PgmuxConfig config = parse(yaml);

            assertEquals("0123", config.users().get("no").password());
            DatabaseConfig db = config.databases().get("on");
            assertEquals("2024", db.dbname());
            assertEquals("no", db.user());
            assertEquals("0123", db.password());
        }

        @Test
        void aKeyWithNoValueTakesItsDefault() throws ConfigException {
            PgmuxConfig config = parse("pool_size:\nlisten: ~\npool_mode: null\n");

            assertEquals(PgmuxConfig.defaults(), config);
        }

        @ParameterizedTest
        @ValueSource(strings = {"server_reset_query:", "server_reset_query: ''", "server_reset_query: ~"})
        void anEmptyOrNullResetQueryMeansNone(String yaml) throws ConfigException {
            assertEquals("", parse(yaml).serverResetQuery());
        }

        @Test
        void listenTakesAnIpv6AddressInBracketsAndPortZero() throws ConfigException {
            assertEquals(new HostPort("::1", 0), parse("listen: \"[::1]:0\"").listen());
        }

        @Test
        void databasesAndUsersKeepTheFileOrder() throws ConfigException {
            PgmuxConfig config = parse("databases: {c: {}, a: {}, b: {}}\nusers: {z: {}, y: {}}");

            assertEquals(List.of("c", "a", "b"), List.copyOf(config.databases().keySet()));
            assertEquals(List.of("z", "y"), List.copyOf(config.users().keySet()));
        }

        @Test
        void aDatabaseMayHaveItsOwnSessionFeaturesPolicy() throws ConfigException {
            PgmuxConfig config = parse("session_features: reject\nmax_pinned_servers: 4\n"
                    + "databases: {own: {session_features: pin}, global: {}}");

            assertEquals(SessionFeaturesPolicy.PIN, config.sessionFeaturesPolicy(config.databases().get("own")));
            assertEquals(SessionFeaturesPolicy.REJECT, config.sessionFeaturesPolicy(config.databases().get("global")));
            assertEquals(4, config.sessionFeatures().maxPinnedServers(20));
            assertEquals(10, parse("{}").sessionFeatures().maxPinnedServers(20), "0 = half of pool_size");
            assertEquals(1, parse("{}").sessionFeatures().maxPinnedServers(1), "at least 1");
            assertThrows(ConfigException.class, () -> parse("databases: {x: {session_features: maybe}}"));
        }

        @Test
        void aDatabaseHostMayListSeveralHostsOnOnePort() throws ConfigException {
            PgmuxConfig config = parse("databases: {ha: {host: \"db1, db2,::1\", port: 6000, load_balance_hosts: disable},"
                    + " one: {host: db1}}");

            DatabaseConfig ha = config.databases().get("ha");
            assertEquals(new HostPort("db1", 6000), ha.server());
            assertEquals(List.of(new HostPort("db1", 6000), new HostPort("db2", 6000), new HostPort("::1", 6000)),
                    ha.hosts().hosts());
            assertEquals(LoadBalanceHosts.DISABLE, ha.hosts().balance());
            assertEquals("db1,db2,::1", ha.hosts().hostNames());
            DatabaseConfig one = config.databases().get("one");
            assertEquals(List.of(new HostPort("db1", 5432)), one.hosts().hosts());
            assertFalse(one.hosts().isList());
            assertEquals(LoadBalanceHosts.ROUND_ROBIN, one.hosts().balance(), "PgBouncer's default");
        }

        @Test
        void aDatabaseMayHaveItsOwnMaxPinnedServers() throws ConfigException {
            PgmuxConfig config = parse("max_pinned_servers: 4\n"
                    + "databases: {own: {max_pinned_servers: 7}, half: {max_pinned_servers: 0}, global: {}}");

            assertEquals(7, config.databases().get("own").limits().maxPinnedServers(config.sessionFeatures(), 20));
            assertEquals(10, config.databases().get("half").limits().maxPinnedServers(config.sessionFeatures(), 20),
                    "0 = half of its pool_size");
            assertEquals(4, config.databases().get("global").limits().maxPinnedServers(config.sessionFeatures(), 20));
            assertThrows(ConfigException.class, () -> parse("databases: {x: {max_pinned_servers: -1}}"));
        }

        @Test
        void anchorsAndMergeKeysShareDatabaseSettings() throws ConfigException {
            String yaml = """
                    databases:
                      app: &common
                        host: db.internal
                        pool_size: 5
                      app_ro:
                        <<: *common
                        pool_size: 2
                    """;

            DatabaseConfig db = parse(yaml).databases().get("app_ro");

            assertEquals(new HostPort("db.internal", 5432), db.server());
            assertEquals(2, db.poolSize());
        }
    }

    @Nested
    class EnvironmentVariables {
        @Test
        void everyReferenceInAPasswordIsReplaced() throws ConfigException {
            String yaml = """
                    users:
                      alice:
                        password: "${PREFIX}-${ALICE_PW}!"
                    databases:
                      app:
                        password: "${APP_PW}"
                    """;

            PgmuxConfig config = ConfigLoader.parse(yaml,
                    Map.of("PREFIX", "p", "ALICE_PW", "s3cret", "APP_PW", "db-pw"));

            assertEquals("p-s3cret!", config.users().get("alice").password());
            assertEquals("db-pw", config.databases().get("app").password());
        }

        @Test
        void aValueFromTheEnvironmentIsNotExpandedAgain() throws ConfigException {
            PgmuxConfig config = ConfigLoader.parse("users: {alice: {password: '${PW}'}}", Map.of("PW", "a${B}c"));

            assertEquals("a${B}c", config.users().get("alice").password());
        }

        @Test
        void eachMissingVariableIsAnError() {
            String yaml = """
                    users:
                      alice:
                        password: "${ALICE_PW}"
                    databases:
                      app:
                        password: "${APP_PW}:${OTHER}"
                    """;

            assertEquals(List.of(
                    "users.alice.password: environment variable ALICE_PW is not set",
                    "databases.app.password: environment variable APP_PW is not set",
                    "databases.app.password: environment variable OTHER is not set"),
                    errors(yaml, Map.of()));
        }

        @Test
        void malformedReferencesAreErrors() {
            assertEquals(List.of("users.a.password: \"${1X}\" is not a valid environment variable name"),
                    errors("users: {a: {password: 'x${1X}'}}"));
            assertEquals(List.of("users.a.password: unterminated \"${\" (write ${NAME} to use an environment variable)"),
                    errors("users: {a: {password: 'x${ABC'}}"));
        }

        @Test
        void onlyPasswordsAreSubstituted() throws ConfigException {
            assertEquals("${HOST}", parse("databases: {app: {host: '${HOST}'}}").databases().get("app").server().host());
        }
    }

    @Nested
    class Errors {
        @Test
        void aPortOutOfRangeNamesTheDatabase() {
            assertOnlyError("databases.app.port: must be 1..65535", "databases: {app: {port: 70000}}");
        }

        @Test
        void aHostListWithAnEmptyNameOrAnUnknownBalancingIsAnError() {
            assertOnlyError("databases.app.host: an empty host name in the list \"db1,,db2\"",
                    "databases: {app: {host: \"db1,,db2\"}}");
            assertOnlyError("databases.app.load_balance_hosts: must be one of round-robin, disable (got \"random\")",
                    "databases: {app: {host: \"db1,db2\", load_balance_hosts: random}}");
        }

        @Test
        void theAdminConsoleIsNoAuthDbname() {
            assertOnlyError("auth_dbname: the admin console \"pgbouncer\" cannot look users up: name a database of Postgres",
                    "auth_dbname: pgbouncer");
            assertOnlyError("databases.app.auth_dbname: the admin console \"pgmux\" cannot look users up: name a database"
                    + " of Postgres", "databases: {app: {auth_dbname: pgmux}}");
        }

        @Test
        void anUnknownPoolModeListsTheChoices() {
            assertOnlyError("pool_mode: must be one of transaction, session, statement (got \"bogus\")", "pool_mode: bogus");
        }

        @Test
        void anUnknownClientAuthListsTheChoices() {
            assertOnlyError("client_auth: must be one of trust, password, md5, scram-sha-256 (got \"SCRAM\")",
                    "client_auth: SCRAM");
        }

        @ParameterizedTest
        @ValueSource(strings = {"6432", "\"6432\"", "localhost", "\"localhost:\"", "\":6432\"", "\"::1:6432\"",
                                "\"[::1]6432\"", "\"host:port\""})
        void listenMustBeHostColonPort(String written) {
            String shown = written.startsWith("\"") ? written : "\"" + written + "\"";
            assertOnlyError("listen: expected host:port (got " + shown + ")", "listen: " + written);
        }

        @Test
        void upstreamNeedsARealPort() {
            assertOnlyError("upstream: port must be 1..65535 (got \"db:0\")", "upstream: \"db:0\"");
            assertOnlyError("listen: port must be 0..65535 (got \"db:65536\")", "listen: \"db:65536\"");
        }

        @ParameterizedTest
        @ValueSource(strings = {"\"20\"", "twenty", "1.5", "[20]", "{a: 1}", "true"})
        void anIntegerKeyRejectsOtherTypes(String written) {
            assertOnlyError("pool_size: must be an integer", "pool_size: " + written);
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
            "pool_size: 0               | pool_size: must be 1..100000",
            "event_loops: -1            | event_loops: must be 0..1024",
            "transport: uring           | transport: must be one of auto, io_uring, epoll, nio (got \"uring\")",
            "max_client_connections: 0  | max_client_connections: must be at least 1",
            "max_pending_logins: 0      | max_pending_logins: must be at least 1",
            "client_login_timeout: 0    | client_login_timeout: must be greater than 0",
            "admin_reserved_connections: 1001 | admin_reserved_connections: must be 0..1000",
            "admin_reserved_connections: -1   | admin_reserved_connections: must be 0..1000",
            "max_message_size: 2GB      | max_message_size: must be 1kB..1GB (got \"2GB\")",
            "max_message_size: 100      | max_message_size: must be 1kB..1GB (got \"100\")",
            "max_message_size: 64MiB    | max_message_size: must be a size like 8192, 512kB, 64MB or 1GB (got \"64MiB\")",
            "query_wait_timeout: 15 sec | query_wait_timeout: must be a duration like 500ms, 15s, 2m or 1h (got \"15 sec\")",
            "query_wait_timeout: 1.5    | query_wait_timeout: must be a duration like 500ms, 15s, 2m or 1h (got \"1.5\")",
            "server_lifetime: -5s       | server_lifetime: must not be negative",
            "max_pools: 0               | max_pools: must be 1..1000000",
            "pool_idle_timeout: -1s     | pool_idle_timeout: must not be negative",
            "server_connect_timeout: 0  | server_connect_timeout: must be greater than 0",
            "server_reset_query: [a]    | server_reset_query: must be a string (got a list)",
            "databases: [app]           | databases: must be a mapping (got a list)",
            "users: alice               | users: must be a mapping (got a single value)",
            "databases: {app: 5}        | databases.app: must be a mapping (got a single value)",
            "databases: {app: {host: ''}} | databases.app.host: must not be empty",
        })
        void outOfRangeAndMistypedValuesAreNamed(String yaml, String expected) {
            assertOnlyError(expected, yaml);
        }

        @Test
        void unknownKeysAreErrorsAtEveryLevel() {
            String yaml = """
                    pool_sise: 5
                    users:
                      alice:
                        pasword: x
                    databases:
                      app:
                        flavour: vanilla
                      "my.db":
                        hots: h
                    """;

            assertEquals(Set.of(
                    "pool_sise: unknown key",
                    "users.alice.pasword: unknown key",
                    "databases.app.flavour: unknown key",
                    "databases.\"my.db\".hots: unknown key"),
                    Set.copyOf(errors(yaml)));
        }

        @Test
        void everyErrorIsReportedInOnePass() {
            String yaml = """
                    listen: 6432
                    pool_mode: bogus
                    pool_size: "20"
                    query_wait_timeout: soon
                    users:
                      alice:
                        password: "${ALICE_PW}"
                    databases:
                      app:
                        port: 0
                        flavour: vanilla
                    """;

            List<String> errors = errors(yaml);

            assertEquals(Set.of(
                    "listen: expected host:port (got \"6432\")",
                    "pool_mode: must be one of transaction, session, statement (got \"bogus\")",
                    "pool_size: must be an integer",
                    "query_wait_timeout: must be a duration like 500ms, 15s, 2m or 1h (got \"soon\")",
                    "users.alice.password: environment variable ALICE_PW is not set",
                    "databases.app.port: must be 1..65535",
                    "databases.app.flavour: unknown key"),
                    Set.copyOf(errors));
            assertEquals(7, errors.size());
        }

        @Test
        void theExceptionMessageHasOneErrorPerLine() {
            ConfigException e = assertThrows(ConfigException.class, () -> parse("pool_size: x\nbogus: 1"));

            assertEquals("pool_size: must be an integer\nbogus: unknown key", e.getMessage());
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
            "- a                 | the document must be a mapping of settings (got a list)",
            "just words          | the document must be a mapping of settings (got \"just words\")",
        })
        void aDocumentThatIsNotAMappingIsAnError(String yaml, String expected) {
            assertOnlyError(expected, yaml);
        }

        @Test
        void aSyntaxErrorGivesLineAndColumn() {
            assertOnlyError("syntax error at line 2, column 10: mapping values are not allowed here",
                    "pool_size: 5\nlisten: a: b\n");
        }

        @Test
        void anUnclosedFlowSequenceIsASyntaxError() {
            List<String> errors = errors("databases: [a, b\n");

            assertEquals(1, errors.size());
            assertTrue(errors.get(0).startsWith("syntax error at line 2, column 1: while parsing a flow sequence"),
                    errors.get(0));
        }

        @Test
        void twoDocumentsAreAnError() {
            assertOnlyError("syntax error at line 2, column 1: expected a single document in the stream,"
                    + " but found another document", "pool_size: 5\n---\npool_size: 6\n");
        }

        @Test
        void aDuplicateKeyIsAnError() {
            assertOnlyError("databases.app.port: duplicate key (lines 3 and 4)",
                    "databases:\n  app:\n    port: 1\n    port: 2\n");
        }

        @Test
        void aListedDatabaseOrUpstreamIsNeeded() {
            assertOnlyError("upstream: nothing to route to: upstream is null and no databases are listed",
                    "upstream: null");
            assertOnlyError("upstream: nothing to route to: upstream is null and no databases are listed",
                    "upstream: ''\ndatabases: {}");
        }

        @Test
        void aConfigFileTooLargeIsRefused() {
            String yaml = "# " + "x".repeat(ConfigLoader.MAX_CONFIG_CHARS);

            assertOnlyError("config is larger than 1MB characters", yaml);
        }
    }

    @Nested
    class ClientAuthentication {
        @Test
        void passwordMethodsNeedUsers() {
            assertOnlyError("users: required when client_auth is md5: list the users clients may log in as, or set auth_user to look them up in Postgres",
                    "client_auth: md5");
        }

        /* As Postgres and PgBouncer: a user that cannot log in is a warning, and only its logins fail (ImperfectUserEntriesIT). */
        @Test
        void aUserWithoutAPasswordIsAWarningNotAnError() throws ConfigException {
            try (LogCapture log = LogCapture.start()) {
                PgmuxConfig config = parse("client_auth: scram-sha-256\nusers: {alice: {password: x}, bob: {}}");

                assertNull(config.users().get("bob").password());
                assertEquals("x", config.users().get("alice").password());
                assertEquals(1, log.containing("users.bob.password: none given").size(), log.events()::toString);
            }
        }

        @Test
        void aUserReadsItsOwnPoolSettingsAndTimeoutsAndRefusesWhatItsPoolCouldNotRun() throws ConfigException {
            UserSettings own = parse("users: {rep: {pool_size: 2, reserve_pool_size: 0, pool_mode: session,"
                    + " query_timeout: 0, client_idle_timeout: 5m}}").users().get("rep").settings();
            assertEquals(new UserSettings(2, 0, PoolMode.SESSION, Duration.ZERO, null, null, Duration.ofMinutes(5)), own);
            assertEquals(UserSettings.NONE, parse("users: {bob: {}}").users().get("bob").settings());

            assertOnlyError("users.rep.pool_size: must be 1..100000", "users: {rep: {pool_size: 0}}");
            assertTrue(errors("prepared_statements: passthrough\npool_mode: session\nusers: {rep: {pool_mode: transaction}}")
                    .get(0).startsWith("users.rep.pool_mode: passthrough leaves named statements"));
            assertTrue(errors("pool_mode: session\nusers: {rep: {pool_mode: statement}}\ndatabases: {app: {prepared_statements:"
                    + " passthrough}}").get(0).endsWith("user \"rep\" has pool_mode statement"));
        }

        @Test
        void trustAllowsUsersWithoutPasswords() throws ConfigException {
            assertNull(parse("users: {bob: }").users().get("bob").password());
        }

        @Test
        void storedPasswordFormatsAreRecognised() throws ConfigException {
            String scram = "SCRAM-SHA-256$4096:c2FsdHNhbHQ=$" + "A".repeat(43) + "=:" + "B".repeat(43) + "=";
            String md5 = "md5" + "0123456789abcdef".repeat(2);
            PgmuxConfig config = parse("client_auth: md5\nusers: {a: {password: 'x'}, b: {password: '" + md5
                    + "'}, c: {password: '" + scram + "'}}");

            assertEquals(PasswordFormat.PLAINTEXT, config.users().get("a").passwordFormat());
            assertEquals(PasswordFormat.MD5, config.users().get("b").passwordFormat());
            assertEquals(PasswordFormat.SCRAM_SHA_256, config.users().get("c").passwordFormat());
        }

        @Test
        void aMalformedScramVerifierIsAnError() {
            assertOnlyError("users.a.password: malformed SCRAM-SHA-256 verifier"
                    + " (expected SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>)",
                    "users: {a: {password: 'SCRAM-SHA-256$4096:c2FsdA==$short:short'}}");
        }

        @Test
        void anMd5HashUnderScramIsAWarningNamingTheUser() throws ConfigException {
            String md5 = "md5" + "0123456789abcdef".repeat(2);
            try (LogCapture log = LogCapture.start()) {
                PgmuxConfig config = parse("client_auth: scram-sha-256\nusers: {a: {password: '" + md5 + "'}}");

                assertEquals(md5, config.users().get("a").password());
                assertEquals(1, log.containing("users.a.password: an md5 hash cannot be checked with client_auth scram-sha-256")
                        .size(), log.events()::toString);
            }
        }

        @Test
        void aScramVerifierCannotLogInToAServer() {
            String scram = "SCRAM-SHA-256$4096:c2FsdHNhbHQ=$" + "A".repeat(43) + "=:" + "B".repeat(43) + "=";
            assertOnlyError("databases.app.password: a SCRAM-SHA-256 verifier cannot be used to log in to a server;"
                    + " give the plaintext or an md5 hash", "databases: {app: {password: '" + scram + "'}}");
        }

        @Test
        void anEmptyUserPasswordIsAWarningAndMeansNone() throws ConfigException {
            try (LogCapture log = LogCapture.start()) {
                assertNull(parse("client_auth: md5\nusers: {a: {password: ''}, b: {password: x}}").users().get("a").password());
                assertEquals(1, log.containing("users.a.password: empty").size(), log.events()::toString);
            }
        }

        @Test
        void anEmptyDatabasePasswordIsAnError() {
            assertOnlyError("databases.app.password: must not be empty (leave the key out for no password)",
                    "databases: {app: {password: ''}}");
        }

        @Test
        void aPasswordWrittenInTheWrongPlaceIsNotEchoed() {
            assertOnlyError("users.alice: must be a mapping (got a single value)", "users: {alice: s3cret}");
        }

        @Test
        void aUserNeverShowsItsPassword() {
            assertEquals("UserConfig[name=alice, password=***, maxUserConnections=(global), maxUserClientConnections=(global)]", new UserConfig("alice", "secret").toString());
        }

        @Test
        void aRuleNeedingACertificateNeedsClientTlsWithACaFileAndAMapItNamesNeedsLines() {
            String tlsWithoutCa = "client_tls: {mode: prefer, cert_file: src/test/resources/tls/config-test.crt,"
                    + " key_file: src/test/resources/tls/config-test.key}\n";

            List<String> errors = errors(tlsWithoutCa + "hba: [{type: hostssl, method: cert, map: nowhere},"
                    + " {type: hostssl, method: md5, clientcert: verify-ca}]\n");

            assertEquals(List.of("hba: hba[0]: map \"nowhere\" has no lines in ident_maps or ident_file",
                    "hba: hba[0]: client certificates can only be checked with client_tls on and client_tls.ca_file set (the CAs that sign them)",
                    "hba: hba[1]: client certificates can only be checked with client_tls on and client_tls.ca_file set (the CAs that sign them)"),
                    errors);
        }

        @Test
        void identMapsAndCertRulesLoadTogether() throws ConfigException {
            PgmuxConfig config = parse("client_tls: {mode: prefer, cert_file: src/test/resources/tls/config-test.crt,"
                    + " key_file: src/test/resources/tls/config-test.key, ca_file: src/test/resources/tls/config-test.crt}\n"
                    + "ident_maps: [{map: people, system: \"/^(.*)@example\\\\.com$\", user: \"\\\\1\"}]\n"
                    + "hba: [{type: hostssl, method: cert, map: people, clientname: DN}, {type: local, method: peer},"
                    + " {address: samenet, method: scram-sha-256}]\n");

            List<HbaRule> rules = config.hba().effectiveRules();
            assertEquals(new HbaRule.Options("people", HbaRule.ClientName.DN, HbaRule.ClientCert.VERIFY_FULL), rules.get(0).options());
            assertEquals(HbaMethod.PEER, rules.get(1).method());
            assertEquals(HbaRule.LocalAddresses.SAMENET, rules.get(2).address());
            IdentMapEntry line = config.hba().identMaps().all().get(0);
            assertEquals("/^(.*)@example\\.com$", line.systemName());
            assertEquals("\\1", line.databaseName());
        }

        @Test
        void badIdentMapsAndLocalAddressesAreErrors() {
            List<String> errors = errors("ident_maps: [{map: m, system: \"/(\"}, {map: m, system: a, user: \"+g\"}]\n"
                    + "hba: [{type: local, address: 10.0.0.0/8, method: trust}, {address: db.example.com, method: trust}]\n");

            assertEquals(4, errors.size(), errors.toString());
            assertTrue(errors.get(0).startsWith("ident_maps[0]: map, system and user are all required"), errors.get(0));
            assertTrue(errors.get(1).startsWith("ident_maps[1]: group names (+g) are not supported"), errors.get(1));
            assertTrue(errors.get(2).startsWith("hba[0].address: a local rule has no address"), errors.get(2));
            assertTrue(errors.get(3).contains("host names are not supported"), errors.get(3));
        }
    }

    @Nested
    class Routing {
        /** An upstream, the global pool keys, and database app, whose own keys may follow (indented by 4). */
        private static final String UPSTREAM_AND_GLOBAL_POOL_KEYS = """
                upstream: "pg.internal:5433"
                pool_size: 4
                pool_mode: session
                databases:
                  app:
                """;

        @Test
        void withoutDatabasesAndWithoutUpstreamEveryDatabaseGoesToTheLocalPostgres() throws ConfigException {
            PgmuxConfig config = parse("pool_size: 9");

            assertEquals(PgmuxConfig.DEFAULT_SERVER, config.upstream());
            assertEquals(Optional.of(DatabaseConfig.forwarding("any", PgmuxConfig.DEFAULT_SERVER, 9, PoolMode.TRANSACTION)),
                    config.database("any"));
        }

        @Test
        void listingDatabasesWithoutUpstreamRoutesOnlyThose() throws ConfigException {
            PgmuxConfig config = parse("databases: {app: {}}");

            assertNull(config.upstream());
            assertTrue(config.database("app").isPresent());
            assertEquals(Optional.empty(), config.database("other"));
        }

        @Test
        void aNullUpstreamRoutesOnlyListedDatabases() throws ConfigException {
            PgmuxConfig config = parse("upstream: ~\ndatabases: {app: {}}");

            assertEquals(Optional.empty(), config.database("other"));
        }

        @Test
        void unlistedDatabasesGoToTheUpstreamWithTheClientsNameAndGlobalPoolSettings() throws ConfigException {
            PgmuxConfig config = parse(UPSTREAM_AND_GLOBAL_POOL_KEYS + "    pool_size: 10\n");

            DatabaseConfig shop = config.database("shop").orElseThrow();

            assertEquals(new HostPort("pg.internal", 5433), shop.server());
            assertEquals("shop", shop.dbname());
            assertNull(shop.user(), "the client's user");
            assertNull(shop.password(), "the client's password");
            assertEquals(4, shop.poolSize());
            assertEquals(PoolMode.SESSION, shop.poolMode());
            assertEquals(10, config.database("app").orElseThrow().poolSize());
        }

        @Test
        void aListedDatabaseTakesItsDefaultsFromUpstreamAndTheGlobalKeys() throws ConfigException {
            PgmuxConfig config = parse(UPSTREAM_AND_GLOBAL_POOL_KEYS);

            assertEquals(DatabaseConfig.forwarding("app", new HostPort("pg.internal", 5433), 4, PoolMode.SESSION),
                    config.databases().get("app"));
        }

        @Test
        void aListedDatabaseWithoutUpstreamDefaultsToTheLocalPostgres() throws ConfigException {
            PgmuxConfig config = parse("upstream: null\ndatabases: {app: {port: 5433}}");

            assertEquals(new HostPort("127.0.0.1", 5433), config.databases().get("app").server());
        }

        @Test
        void aDatabaseLoginUserTakesItsPasswordFromUsers() throws ConfigException {
            PgmuxConfig config = parse("""
                    users:
                      owner:
                        password: "${OWNER_PW}"
                    databases:
                      app:
                        user: owner
                      other:
                        user: owner
                        password: explicit
                      stranger:
                        user: nobody
                    """.replace("${OWNER_PW}", "pw"));

            assertEquals("pw", config.databases().get("app").password());
            assertEquals("explicit", config.databases().get("other").password());
            assertNull(config.databases().get("stranger").password());
        }
    }

    @Nested
    class Files_ {
        @TempDir
        Path dir;

        @Test
        void aMissingFileIsAnErrorNamingIt() {
            Path file = dir.resolve("nope.yaml");

            ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of()));

            assertEquals(List.of(file + ": file not found"), e.errors());
        }

        @Test
        void aDirectoryIsAnErrorNamingIt() {
            ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir, Map.of()));

            assertEquals(List.of(dir + ": is a directory, not a config file"), e.errors());
        }

        @Test
        void aFileWithBadBytesIsAnErrorNamingIt() throws IOException {
            Path file = Files.write(dir.resolve("bad.yaml"), new byte[] {'a', ':', ' ', (byte) 0xC3, (byte) 0x28});

            ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of()));

            assertEquals(List.of(file + ": not valid UTF-8"), e.errors());
        }

        @Test
        void aFileIsReadWithTheGivenEnvironment() throws IOException, ConfigException {
            Path file = Files.writeString(dir.resolve("pgmux.yaml"), "users: {a: {password: '${PW}'}}");

            assertEquals("pw", ConfigLoader.load(file, Map.of("PW", "pw")).users().get("a").password());
        }
    }
}
