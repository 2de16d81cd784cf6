package io.pgmux.proxy.it;

import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.PgmuxJar;
import io.pgmux.proxy.testing.ProcessOutput;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shaded jar as an operator runs it: {@code java -jar pgmux.jar -c pgmux.yaml}. */
class CommandLineIT {
    private static final Path SHIPPED_CONFIG = Path.of("..", "conf", "pgmux.yaml");
    private static final String USER = "cli_user";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux()
            .role(USER);

    @TempDir
    Path dir;

    @Test
    void theJarServesClientsAndExitsZeroOnSigterm() throws Exception {
        // given pgmux started from the jar with a config file and --listen and --http overrides
        TestPostgres pg = TestPostgres.get();
        Path config = Files.writeString(dir.resolve("pgmux.yaml"),
                "listen: \"127.0.0.1:6432\"\nupstream: \"" + pg.host() + ":" + pg.port() + "\"\nshutdown_timeout: 5s\nunix_socket_dir: \"\"\n");
        Process pgmux = pgmux("-c", config.toString(), "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0")
                .redirectErrorStream(true).start();
        try {
            ProcessOutput output = ProcessOutput.of(pgmux);
            int port = output.awaitListeningPort();

            // when a client connects and runs a query
            try (Connection client = connect(port)) {
                assertEquals(USER + " 42", TestSql.scalar(client, "SELECT current_user || ' ' || 6 * 7"));

                // then SIGTERM stops pgmux with exit status 0, ending the idle client's session
                // (sent through the handle: Process.destroy() would also close our end of the output)
                pgmux.toHandle().destroy();
                assertTrue(pgmux.waitFor(30, TimeUnit.SECONDS), "pgmux still running 30 s after SIGTERM");
                assertEquals(0, pgmux.exitValue(), output::text);
                assertThrows(SQLException.class, () -> TestSql.scalar(client, "SELECT 1"));
            }
            assertTrue(output.awaitLine("pgmux stopped"), output::text);
            assertFalse(accepts(port), "nothing listens on " + port + " any more");
        } finally {
            pgmux.destroyForcibly();
        }
    }

    @Test
    void theEnvironmentNamesTheFileAndSetsKeysAndTheCommandLineWinsOverIt() throws Exception {
        // given a file that routes database envdb to an upstream that does not exist,
        // and an environment that names the file and replaces upstream and listen
        TestPostgres pg = TestPostgres.get();
        Path config = Files.writeString(dir.resolve("pgmux.yaml"), "upstream: \"127.0.0.1:1\"\n"
                + "databases: {envdb: {dbname: " + TestPostgres.DATABASE + "}}\nshutdown_timeout: 5s\nunix_socket_dir: \"\"\n");
        ProcessBuilder builder = pgmux("--listen", "127.0.0.1:0", "--http", "").redirectErrorStream(true);
        builder.environment().put("PGMUX_CONFIG", config.toString());
        builder.environment().put("PGMUX_UPSTREAM", pg.host() + ":" + pg.port());
        builder.environment().put("PGMUX_LISTEN", "127.0.0.2:0");
        Process pgmux = builder.start();
        try {
            ProcessOutput output = ProcessOutput.of(pgmux);

            // when pgmux starts (on --listen's 127.0.0.1, not PGMUX_LISTEN's 127.0.0.2)
            int port = output.awaitListeningPort();

            // then it serves the file's database on the environment's upstream
            assertTrue(output.awaitLine("config: " + config + ", with PGMUX_LISTEN, PGMUX_UPSTREAM from the environment"),
                    output::text);
            try (Connection client = connect(port, "envdb")) {
                assertEquals(TestPostgres.DATABASE, TestSql.scalar(client, "SELECT current_database()"));
            }
            pgmux.toHandle().destroy();
            assertTrue(pgmux.waitFor(30, TimeUnit.SECONDS), "pgmux still running 30 s after SIGTERM");
            assertEquals(0, pgmux.exitValue(), output::text);
        } finally {
            pgmux.destroyForcibly();
        }
    }

    @Test
    void checkAcceptsTheShippedConfig() throws Exception {
        Result result = run(pgmux("--check", "-c", SHIPPED_CONFIG.toString()));

        assertEquals(0, result.exitCode(), result::toString);
        assertTrue(result.stdout().contains("config OK: " + SHIPPED_CONFIG), result::toString);
    }

    @Test
    void aBadConfigExitsWithStatus2AndNamesTheYamlPathOnStderr() throws Exception {
        Path config = Files.writeString(dir.resolve("bad.yaml"),
                "listen: \"127.0.0.1:0\"\ndatabases:\n  app:\n    pool_size: 0\n");

        Result result = run(pgmux("-c", config.toString()));

        assertEquals(2, result.exitCode(), result::toString);
        assertTrue(result.stderr().contains("databases.app.pool_size: must be 1..100000"), result::toString);
        assertFalse(result.stdout().contains("listening on"), result::toString);
    }

    // ---------------------------------------------------------------- helpers

    private static ProcessBuilder pgmux(String... args) {
        return new ProcessBuilder(PgmuxJar.command(List.of("-Xmx256m"), args));
    }

    private record Result(int exitCode, String stdout, String stderr) {}

    private Result run(ProcessBuilder builder) throws IOException, InterruptedException {
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("pgmux did not exit within 60 s: " + Files.readString(out) + Files.readString(err));
        }
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static Connection connect(int port) throws SQLException {
        return connect(port, TestPostgres.DATABASE);
    }

    private static Connection connect(int port, String database) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", USER);
        props.setProperty("connectTimeout", "10");
        props.setProperty("socketTimeout", "30");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, props);
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
