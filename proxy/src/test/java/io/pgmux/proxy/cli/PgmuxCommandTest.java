package io.pgmux.proxy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.pgmux.proxy.config.CliOverrides;
import io.pgmux.proxy.config.ConfigLoader;
import io.pgmux.proxy.config.ConfigSource;
import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.config.PgmuxConfig;
import io.pgmux.proxy.config.PoolMode;
import io.pgmux.proxy.server.RunningServer;
import io.pgmux.proxy.server.ServerLauncher;
import io.pgmux.proxy.util.PgmuxVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

class PgmuxCommandTest {
    @TempDir
    Path dir;

    private final FakeLauncher launcher = new FakeLauncher();
    private final FakeJvm jvm = new FakeJvm();
    private Map<String, String> env = Map.of();

    /** The outcome of one command line. */
    record Result(int exitCode, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    private Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = new CommandLine(new PgmuxCommand(launcher, env, jvm))
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true));
        int exitCode = commandLine.execute(args);
        return new Result(exitCode, out.toString(), err.toString());
    }

    private Path configFile(String yaml) throws IOException {
        return Files.writeString(dir.resolve("pgmux.yaml"), yaml);
    }

    @Test
    void convertConfigWritesYamlThatChecksAndNamesWhatItLeftOnStderr() throws IOException {
        // given a PgBouncer ini and its userlist
        Path ini = Files.writeString(dir.resolve("pgbouncer.ini"), "[databases]\napp = host=db port=5433 connect_query='SELECT 1'\n"
                + "[pgbouncer]\nauth_type = md5\nlisten_port = 6433\nlogfile = /var/log/pgbouncer.log\n");
        Path users = Files.writeString(dir.resolve("userlist.txt"), "\"alice\" \"secret\"\n");

        // when it is converted
        Result converted = run("convert-config", ini.toString(), users.toString());

        // then the YAML is on stdout, one line per key left out on stderr, and the YAML passes --check
        assertEquals(0, converted.exitCode(), converted.err());
        assertEquals(List.of("not carried: [pgbouncer] logfile: pgmux logs to standard output (log.level, log.format)"),
                converted.errLines());
        Path yaml = Files.writeString(dir.resolve("pgmux.yaml"), converted.out());
        assertEquals(0, run("--check", "-c", yaml.toString()).exitCode(), converted.out());
    }

    @Test
    void convertConfigOfAMissingFileExitsTwo() {
        Result result = run("convert-config", dir.resolve("nope.ini").toString());

        assertEquals(2, result.exitCode());
        assertEquals(List.of("pgmux convert-config: no such file: " + dir.resolve("nope.ini")), result.errLines());
    }

    @Test
    void checkOfAGoodFileSaysOkAndExitsZero() throws IOException {
        Path file = configFile("pool_size: 5\n");

        Result result = run("--check", "-c", file.toString());

        assertEquals(new Result(0, "config OK: " + file + System.lineSeparator(), ""), result);
        assertNull(launcher.started, "the server is not started");
    }

    @Test
    void checkWithoutAFileChecksTheBuiltInDefaults() {
        Result result = run("--check");

        assertEquals(new Result(0, "config OK: built-in defaults" + System.lineSeparator(), ""), result);
    }

    @Test
    void checkOfTheShippedFileSaysOk() {
        assertEquals(0, run("--check", "--config", "../conf/pgmux.yaml").exitCode());
    }

    @Test
    void checkOfABadFilePrintsEveryErrorOnItsOwnLineAndExitsTwo() throws IOException {
        Path file = configFile("pool_mode: bogus\ndatabases: {app: {port: 0}}\n");

        Result result = run("--check", "-c", file.toString());

        assertEquals(2, result.exitCode());
        assertEquals("", result.out());
        assertEquals(List.of(
                "pool_mode: must be one of transaction, session, statement (got \"bogus\")",
                "databases.app.port: must be 1..65535"), result.errLines());
    }

    @Test
    void checkReadsTheTlsFiles() throws IOException {
        String cert = Path.of("src/test/resources/tls/config-test.crt").toAbsolutePath().toString();
        Path key = dir.resolve("other.key");
        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        Path file = configFile("client_tls: {mode: require, cert_file: \"" + cert + "\", key_file: \"" + key + "\"}\n");

        Result result = run("--check", "-c", file.toString());

        assertEquals(2, result.exitCode());
        assertEquals(List.of("client_tls.key_file: " + key + ": the private key cannot be read (not an RSA, EC or Ed25519 key, or damaged)"),
                result.errLines());
    }

    @Test
    void checkOfAMissingFileNamesItAndExitsTwo() {
        Path missing = dir.resolve("missing.yaml");

        Result result = run("--check", "-c", missing.toString());

        assertEquals(new Result(2, "", missing + ": file not found" + System.lineSeparator()), result);
    }

    @Test
    void environmentVariablesInTheFileComeFromTheCommandsEnvironment() throws IOException {
        Path file = configFile("users: {alice: {password: '${ALICE_PW}'}}\n");

        assertEquals(List.of("users.alice.password: environment variable ALICE_PW is not set"),
                run("--check", "-c", file.toString()).errLines());
        env = Map.of("ALICE_PW", "pw");
        assertEquals(0, run("--check", "-c", file.toString()).exitCode());
    }

    @Test
    void startingWithABadConfigExitsTwoWithoutStartingTheServer() throws IOException {
        Path file = configFile("pool_size: -1\n");

        Result result = run("-c", file.toString());

        assertEquals(new Result(2, "", "pool_size: must be 1..100000" + System.lineSeparator()), result);
        assertNull(launcher.started);
    }

    @Test
    void helpDescribesTheOptionsAndExitsZero() {
        Result result = run("--help");

        assertEquals(0, result.exitCode());
        for (String option : List.of("--config", "--check", "--listen", "--upstream", "--pool-size", "--pool-mode",
                "--version", "even one that sets its own", "PGMUX_CONFIG", "PGMUX_POOL_SIZE", "PGMUX_HTTP_LISTEN")) {
            assertTrue(result.out().contains(option), "help mentions " + option + ":\n" + result.out());
        }
        assertEquals("", result.err());
    }

    @Test
    void versionPrintsTheProjectVersionAndExitsZero() {
        Result result = run("--version");

        assertEquals(0, result.exitCode());
        assertTrue(result.out().matches("pgmux \\d+\\.\\d+\\.\\d+\\S*\\R"), result.out());
    }

    @Test
    void overridesWithoutAFileApplyToTheDefaults() {
        Result result = run("--listen", "0.0.0.0:7432", "--upstream", "[::1]:5433", "--pool-size", "3",
                "--pool-mode", "session");

        assertEquals(0, result.exitCode());
        PgmuxConfig expected = PgmuxConfig.defaults().withOverrides(new CliOverrides(
                new HostPort("0.0.0.0", 7432), new HostPort("::1", 5433), 3, PoolMode.SESSION));
        assertEquals(expected, launcher.started);
    }

    @Test
    void overridesApplyOnTopOfTheFile() throws Exception {
        Path file = configFile("pool_size: 50\nshutdown_timeout: 5s\ndatabases: {app: {pool_size: 9}}\n");

        Result result = run("-c", file.toString(), "--pool-size", "4");

        assertEquals(0, result.exitCode());
        PgmuxConfig expected = ConfigLoader.load(file, Map.of())
                .withOverrides(new CliOverrides(null, null, 4, null));
        assertEquals(expected, launcher.started);
        assertEquals(4, launcher.started.databases().get("app").poolSize());
    }

    @Test
    void pgmuxConfigNamesTheFileWhenThereIsNoDashC() throws IOException {
        Path file = configFile("pool_size: 5\n");
        env = Map.of("PGMUX_CONFIG", file.toString());

        assertEquals(new Result(0, "config OK: " + file + System.lineSeparator(), ""), run("--check"));
        run();
        assertEquals(5, launcher.started.poolSize());
    }

    @Test
    void dashCWinsOverPgmuxConfig() throws IOException {
        Path file = configFile("pool_size: 5\n");
        env = Map.of("PGMUX_CONFIG", dir.resolve("missing.yaml").toString());

        run("-c", file.toString());

        assertEquals(5, launcher.started.poolSize());
    }

    @Test
    void theCommandLineWinsOverTheEnvironmentWhichWinsOverTheFile() throws IOException {
        Path file = configFile("pool_size: 5\nshutdown_timeout: 5s\nlisten: \"127.0.0.1:6000\"\n");
        env = Map.of("PGMUX_POOL_SIZE", "7", "PGMUX_LISTEN", "127.0.0.1:7000");

        Result check = run("--check", "-c", file.toString(), "--listen", "127.0.0.1:8000");
        run("-c", file.toString(), "--listen", "127.0.0.1:8000");

        assertEquals("config OK: " + file + ", with PGMUX_LISTEN, PGMUX_POOL_SIZE from the environment"
                + System.lineSeparator(), check.out());
        assertEquals(new HostPort("127.0.0.1", 8000), launcher.started.listen(), "the option wins");
        assertEquals(7, launcher.started.poolSize(), "the environment wins over the file");
        assertEquals(5, launcher.started.shutdownTimeout().toSeconds(), "the file wins over the default");
    }

    @Test
    void theEnvironmentAppliesWithoutAFile() {
        env = Map.of("PGMUX_POOL_MODE", "session", "PGMUX_HTTP_LISTEN", "");

        run();

        assertEquals(PoolMode.SESSION, launcher.started.poolMode());
        assertNull(launcher.started.observability().httpListen());
    }

    @Test
    void aBadValueInTheEnvironmentExitsTwoNamingTheVariable() {
        env = Map.of("PGMUX_POOL_SIZE", "lots");

        Result result = run();

        assertEquals(new Result(2, "", "pool_size: must be an integer (from the environment variable PGMUX_POOL_SIZE)"
                + System.lineSeparator()), result);
        assertNull(launcher.started);
    }

    @Test
    void aPgmuxVariableThatSetsNothingIsWarnedAbout() {
        env = Map.of("PGMUX_POOLSIZE", "7");

        List<ILoggingEvent> lines = logLines(() -> run());

        List<String> warnings = lines.stream().filter(line -> line.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage).toList();
        assertEquals(1, warnings.size(), warnings::toString);
        assertEquals("the environment variable PGMUX_POOLSIZE sets no key (a key's variable is PGMUX_ and its name in"
                + " upper case, as PGMUX_POOL_SIZE or PGMUX_HTTP_LISTEN); it is used only where the config names it as"
                + " ${PGMUX_POOLSIZE}", warnings.get(0));
        assertEquals(PgmuxConfig.defaults().poolSize(), launcher.started.poolSize());
    }

    @Test
    void invalidOptionValuesAreUsageErrorsWithExitTwo() {
        assertUsageError("expected host:port (got \"6432\")", "--listen", "6432");
        assertUsageError("port must be 1..65535 (got \"db:0\")", "--upstream", "db:0");
        assertUsageError("must be 1..100000 (got 0)", "--pool-size", "0");
        assertUsageError("must be an integer (got \"many\")", "--pool-size", "many");
        assertUsageError("must be one of transaction, session, statement (got \"stmt\")", "--pool-mode", "stmt");
        assertUsageError("Unknown option: '--bogus'", "--bogus");
        assertNull(launcher.started);
    }

    private void assertUsageError(String message, String... args) {
        Result result = run(args);
        assertEquals(2, result.exitCode(), String.join(" ", args));
        assertTrue(result.err().contains(message), result.err());
    }

    @Test
    void aServerThatCannotStartGivesOneLineAndExitOne() {
        launcher.failure = new BindException("Address already in use");

        Result result = run("--listen", "127.0.0.1:6432");

        assertEquals(new Result(1, "",
                "pgmux: cannot start: cannot listen on 127.0.0.1:6432: Address already in use" + System.lineSeparator()),
                result);
    }

    @Test
    void theStartFailureMessageIsKeptOnOneLine() {
        launcher.failure = new IllegalStateException("first line\n  second line");

        assertEquals(List.of("pgmux: cannot start: first line second line"), run().errLines());
    }

    @Test
    void aServerThatStopsByItselfExitsZeroAndLeavesNoShutdownHook() {
        Result result = run();

        assertEquals(new Result(0, "", ""), result);
        assertEquals(1, jvm.added.size());
        assertEquals(jvm.added, jvm.removed);
        assertEquals(List.of(), jvm.halts);
        assertEquals(0, launcher.server.shutdownRequests);
    }

    @Test
    void theListeningAddressIsLogged() {
        Logger logger = (Logger) LoggerFactory.getLogger(PgmuxCommand.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        Level before = logger.getLevel();
        logger.setLevel(Level.INFO);
        logger.setAdditive(false); // keep the INFO lines out of the test output
        logger.addAppender(appender);
        try {
            launcher.boundAddress = new HostPort("127.0.0.1", 40001);

            run("--listen", "127.0.0.1:0");

            assertEquals("pgmux " + PgmuxVersion.current() + " listening on 127.0.0.1:40001",
                    appender.list.get(0).getFormattedMessage());
        } finally {
            logger.detachAppender(appender);
            logger.setAdditive(true);
            logger.setLevel(before);
        }
    }

    @Test
    void aJvmThatWouldNotExitOnOutOfMemoryErrorIsWarnedAboutOnceNamingTheOption() {
        jvm.exitsOnOutOfMemoryError = false;

        List<ILoggingEvent> lines = logLines(() -> run());

        List<ILoggingEvent> warnings = lines.stream().filter(line -> line.getLevel() == Level.WARN).toList();
        assertEquals(1, warnings.size(), lines::toString);
        assertTrue(warnings.get(0).getFormattedMessage().contains("-XX:+ExitOnOutOfMemoryError"), lines::toString);
    }

    @Test
    void aJvmThatExitsOnOutOfMemoryErrorGetsNoWarning() {
        jvm.exitsOnOutOfMemoryError = true;

        List<ILoggingEvent> lines = logLines(() -> run());

        assertEquals(List.of(), lines.stream().filter(line -> line.getLevel() == Level.WARN).toList());
    }

    /** What {@code action} logs through PgmuxCommand's logger, INFO and up. */
    private static List<ILoggingEvent> logLines(Runnable action) {
        Logger logger = (Logger) LoggerFactory.getLogger(PgmuxCommand.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        Level before = logger.getLevel();
        logger.setLevel(Level.INFO);
        logger.setAdditive(false); // keep the lines out of the test output
        logger.addAppender(appender);
        try {
            action.run();
            return List.copyOf(appender.list);
        } finally {
            logger.detachAppender(appender);
            logger.setAdditive(true);
            logger.setLevel(before);
        }
    }

    @Test
    void httpReplacesHttpListen() {
        run("--http", "0.0.0.0:9999");

        assertEquals(new HostPort("0.0.0.0", 9999), launcher.started.observability().httpListen());
    }

    @Test
    void anEmptyHttpTurnsTheEndpointOffAsTheFileCan() throws IOException {
        Path file = configFile("http:\n  listen: \"127.0.0.1:9999\"\n");

        Result result = run("-c", file.toString(), "--http", "");

        assertEquals(0, result.exitCode(), result::err);
        assertNull(launcher.started.observability().httpListen(), "no HTTP endpoint");
        assertEquals(new HostPort("127.0.0.1", 6432), launcher.started.listen(), "the rest of the file applies");
    }

    @Test
    void aBadHttpAddressIsStillRefused() {
        Result result = run("--http", "nonsense");

        assertEquals(2, result.exitCode());
        assertTrue(result.err().contains("--http"), result::err);
        assertNull(launcher.started);
    }

    @Test
    void aHangupAsksTheServerToReload() throws Exception {
        // given: a running server
        launcher.server = new FakeServer(false);
        CompletableFuture<Result> running = CompletableFuture.supplyAsync(this::run);
        assertTrue(jvm.hangupSet.await(10, TimeUnit.SECONDS), "the command catches SIGHUP");

        // when: SIGHUP
        jvm.hangup.run();

        // then: one reload, and the server keeps running until stopped
        assertEquals(1, launcher.server.reloadRequests);
        assertEquals(0, launcher.server.shutdownRequests);
        jvm.signal();
        assertEquals(0, running.get(10, TimeUnit.SECONDS).exitCode());
    }

    @Test
    void aSignalStopsTheServerGracefullyAndEndsTheProcessWithZero() throws Exception {
        launcher.server = new FakeServer(false);
        CompletableFuture<Result> running = CompletableFuture.supplyAsync(this::run);
        assertTrue(jvm.hookAdded.await(10, TimeUnit.SECONDS), "the command registers a shutdown hook");

        jvm.signal(); // what SIGTERM or SIGINT does: run the hooks

        assertEquals(1, launcher.server.shutdownRequests);
        assertEquals(List.of(0), jvm.halts);
        assertEquals(0, running.get(10, TimeUnit.SECONDS).exitCode());
        assertFalse(jvm.hookRemoved, "a hook cannot be removed while the JVM shuts down");
    }

    /** Records the config and hands out a {@link FakeServer}. */
    static final class FakeLauncher implements ServerLauncher {
        PgmuxConfig started;
        Exception failure;
        HostPort boundAddress;
        FakeServer server = new FakeServer(true);

        @Override
        public RunningServer start(PgmuxConfig config, ConfigSource reloadSource) throws Exception {
            if (failure != null) {
                throw failure;
            }
            started = config;
            server.boundAddress = boundAddress != null ? boundAddress : config.listen();
            return server;
        }
    }

    /** Terminates at once, or when asked to shut down. */
    static final class FakeServer implements RunningServer {
        private final CountDownLatch terminated;
        volatile HostPort boundAddress;
        volatile int shutdownRequests;
        volatile int reloadRequests;

        FakeServer(boolean alreadyTerminated) {
            terminated = new CountDownLatch(alreadyTerminated ? 0 : 1);
        }

        @Override
        public HostPort boundAddress() {
            return boundAddress;
        }

        @Override
        public void awaitTermination() throws InterruptedException {
            terminated.await();
        }

        @Override
        public synchronized void shutdownGracefully() {
            shutdownRequests++;
            terminated.countDown();
        }

        @Override
        public void requestReload() {
            reloadRequests++;
        }
    }

    /** A JVM whose shutdown the test triggers. */
    static final class FakeJvm implements Jvm {
        final List<Thread> added = new ArrayList<>();
        final List<Thread> removed = new ArrayList<>();
        final List<Integer> halts = new ArrayList<>();
        final CountDownLatch hookAdded = new CountDownLatch(1);
        volatile boolean shuttingDown;
        volatile boolean hookRemoved;
        volatile Runnable hangup;
        final CountDownLatch hangupSet = new CountDownLatch(1);
        volatile boolean exitsOnOutOfMemoryError = true;

        @Override
        public synchronized void addShutdownHook(Thread hook) {
            added.add(hook);
            hookAdded.countDown();
        }

        @Override
        public synchronized boolean removeShutdownHook(Thread hook) {
            if (shuttingDown) {
                return false;
            }
            hookRemoved = true;
            return removed.add(hook);
        }

        @Override
        public synchronized void halt(int status) {
            halts.add(status);
        }

        @Override
        public Hangup onHangup(Runnable action) {
            hangup = action;
            hangupSet.countDown();
            return Hangup.CAUGHT;
        }

        @Override
        public boolean exitsOnOutOfMemoryError() {
            return exitsOnOutOfMemoryError;
        }

        void signal() {
            List<Thread> hooks;
            synchronized (this) {
                shuttingDown = true;
                hooks = List.copyOf(added);
            }
            hooks.forEach(Thread::run);
        }
    }
}
