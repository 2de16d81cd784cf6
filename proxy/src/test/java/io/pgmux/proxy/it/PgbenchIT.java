package io.pgmux.proxy.it;

import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.ServerSampler;
import io.pgmux.proxy.testing.TestPostgres;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Postgres's own benchmark, 200 clients through a pool of 10 server connections, in the three query
 * modes: simple and extended (unnamed statements), and prepared (named statements, which pgmux
 * prepares again on whichever server a client takes). Every transaction must succeed.
 */
class PgbenchIT {
    private static final String DATABASE = "pgbench_it";
    private static final String USER = "pgbench_it_user";
    private static final int POOL_SIZE = 10;
    private static final int CLIENTS = 200;

    @RegisterExtension
    static final PgmuxFixture pgmux = PgmuxFixture.withConfig("pool_size: " + POOL_SIZE + "\nquery_wait_timeout: 60s\n")
            .role(USER)
            .sql("DROP DATABASE IF EXISTS " + DATABASE + " WITH (FORCE)")
            .sql("CREATE DATABASE " + DATABASE + " OWNER " + USER);

    @BeforeAll
    static void initializeDatabaseDirectly() throws Exception {
        TestPostgres pg = TestPostgres.get();
        Pgbench init = pgbench(pg.host(), pg.port(), "-i", "-s", "2", "-q");
        assertEquals(0, init.exitCode(), init.output());
    }

    @ParameterizedTest(name = "-M {0}")
    @ValueSource(strings = {"simple", "extended", "prepared"})
    void twoHundredPgbenchClientsRunWithoutAFailureOnTenServerConnections(String mode) throws Exception {
        Pgbench run;
        int maxServers;
        try (ServerSampler sampler = new ServerSampler(DATABASE, USER)) {
            run = pgbench(pgmux.host(), pgmux.port(), "-M", mode, "-c", Integer.toString(CLIENTS), "-j", "2", "-T", "10");
            maxServers = sampler.max();
        }

        String output = run.output();
        System.out.println("pgbench -M " + mode + " -c " + CLIENTS + " through pgmux (pool_size " + POOL_SIZE + ", at most "
                + maxServers + " server connections seen): " + String.join("; ", run.lines("^tps = .*")));
        assertEquals(0, run.exitCode(), output);
        assertEquals(mode, run.value("query mode: (\\w+)"), output);
        assertEquals(CLIENTS, Long.parseLong(run.value("number of clients: (\\d+)")), output);
        assertEquals(0, Long.parseLong(run.value("number of failed transactions: (\\d+)")), output);
        long processed = Long.parseLong(run.value("number of transactions actually processed: (\\d+)"));
        assertTrue(processed > 0, output);
        // each transaction adds a history row; one a client had committed when the time ran out may be uncounted
        long history = count("SELECT count(*) FROM pgbench_history");
        assertTrue(history >= processed && history <= processed + CLIENTS, "history " + history + ", processed " + processed);
        assertTrue(maxServers >= 1 && maxServers <= POOL_SIZE, "Postgres saw " + maxServers + " pgmux server connections");
        assertEquals(0, pgmux.pool(DATABASE, USER).pinnedServers().total(), "pgbench's statements pin no server");
    }

    private record Pgbench(int exitCode, String output) {
        String value(String regex) {
            Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(output);
            assertTrue(m.find(), () -> "no \"" + regex + "\" in pgbench output:\n" + output);
            return m.group(1);
        }

        List<String> lines(String regex) {
            List<String> lines = new ArrayList<>();
            Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(output);
            while (m.find()) {
                lines.add(m.group());
            }
            return lines;
        }
    }

    private static Pgbench pgbench(String host, int port, String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(TestPostgres.get().binDir().resolve("pgbench").toString(),
                "-h", host, "-p", Integer.toString(port), "-U", USER));
        command.addAll(List.of(options));
        command.add(DATABASE);
        Path output = Files.createTempFile("pgbench-it", ".out");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
            Map<String, String> env = builder.environment();
            env.keySet().removeIf(name -> name.startsWith("PG"));
            env.put("PGPASSFILE", "/dev/null");
            Process process = builder.start();
            if (!process.waitFor(180, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("pgbench did not finish in 180 s: " + String.join(" ", command) + "\n"
                        + Files.readString(output, StandardCharsets.UTF_8));
            }
            return new Pgbench(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static long count(String sql) throws SQLException {
        try (Connection direct = TestPostgres.get().connect(DATABASE, TestPostgres.SUPERUSER, null);
             Statement st = direct.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
