package io.pgmux.bench.it;

import io.pgmux.bench.cli.BenchCommand;
import io.pgmux.bench.load.LoadSettings;
import io.pgmux.bench.load.Progress;
import io.pgmux.bench.load.Runner;
import io.pgmux.bench.load.Target;
import io.pgmux.bench.net.ConnectSettings;
import io.pgmux.bench.scenario.Scenarios;
import io.pgmux.bench.scenario.Workload;
import io.pgmux.bench.stats.Measurement;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every scenario runs for a moment against pgmux (in this JVM, in front of the proxy's private test
 * Postgres), so that the harness cannot rot. Small client counts, a second or two each, no timing
 * assertions: only that each scenario does what it says and reports it.
 */
class BenchSmokeIT {
    private static Pgmux pgmux;
    private static Target target;
    private static Runner runner;

    @BeforeAll
    static void start() throws Exception {
        pgmux = Pgmux.start("pool_size: 4");
        target = new Target("pgmux", pgmux.host(), pgmux.port(), null, 0);
        ConnectSettings connect = new ConnectSettings("127.0.0.1", 5432, TestPostgres.DATABASE, TestPostgres.SUPERUSER,
                null, Duration.ofSeconds(10));
        LoadSettings settings = new LoadSettings(connect, Duration.ofMillis(1500), Duration.ofMillis(300), 0, false, 16,
                1, Duration.ofSeconds(30));
        runner = new Runner(2, settings, Progress.NONE);
        runner.setUp(target, Scenarios.all());
    }

    @AfterAll
    static void stop() {
        if (runner != null) {
            runner.close();
        }
        if (pgmux != null) {
            pgmux.close();
        }
    }

    private static Measurement run(String workload) {
        return runner.run(target, Workload.parse(workload), 1, workload);
    }

    @Test
    void select1InTheSimpleAndExtendedProtocolsRunsWithoutErrors() {
        for (String spec : List.of("select1/simple@8", "select1/extended@8")) {
            Measurement m = run(spec);

            assertEquals(8, m.clientsReady(), spec);
            assertTrue(m.transactions() > 0, spec + " completed no transaction: " + m.errorMessages());
            assertEquals(0, m.errors(), spec + ": " + m.errorMessages());
            assertTrue(m.latency().count() > 0 && m.latency().p99() > 0, spec);
        }
    }

    @Test
    void preparedStatementsRunOrAreReportedAsErrorsNotCrashes() {
        // More clients than servers: each client's named statement meets servers that lack it until
        // pgmux rewrites prepared statements; the harness counts those errors and goes on.
        Measurement m = run("select1/prepared@8");

        assertEquals(8, m.clientsReady());
        assertTrue(m.transactions() + m.errors() > 0, "neither transactions nor errors: " + m);
        if (m.errors() > 0) {
            assertTrue(m.errorMessages().keySet().stream().allMatch(e -> !e.isBlank()), m.errorMessages().toString());
        }
    }

    @Test
    void tpcbAndOrchestrationRunTheirTransactions() {
        for (String spec : List.of("tpcb@6", "orchestration@6", "tpcb/prepared@4", "orchestration/extended@4")) {
            Measurement m = run(spec);

            assertTrue(m.transactions() > 0, spec + " completed no transaction: " + m.errorMessages());
            if (!spec.contains("prepared")) {
                assertEquals(0, m.errors(), spec + ": " + m.errorMessages());
            }
        }
    }

    @Test
    void pgbenchRunsItsBuiltInScriptsAndReportsTpsLatencyAndCpu() {
        for (String spec : List.of("pgbench-S/prepared@8", "pgbench-S/simple@4", "pgbench-tpcb/prepared@4")) {
            Measurement m = run(spec);

            assertEquals(0, m.errors(), spec + ": " + m.errorMessages());
            assertTrue(m.transactions() > 0 && m.tps() > 0, spec + " completed no transaction");
            assertTrue(m.latency().count() > 0 && m.latency().p99() > 0, spec + ": no latency from pgbench's log");
            assertTrue(m.cpuSeconds() != null && m.cpuSeconds() > 0, spec + ": pgmux's CPU was not measured");
        }
    }

    @Test
    void idleClientsAllConnectAndStay() {
        Measurement m = run("idle@40");

        assertEquals(40, m.clientsReady());
        assertEquals(0, m.errors(), m.errorMessages().toString());
    }

    @Test
    void aStormOfClientsAllGetReady() {
        Measurement m = run("storm@60");

        assertEquals(60, m.clientsReady(), m.errorMessages().toString());
        assertEquals(0, m.errors(), m.errorMessages().toString());
        assertTrue(m.allReadySeconds() != null && m.allReadySeconds() > 0);
        assertEquals(60, m.latency().count());
    }

    @Test
    void compareWritesTheTableTheJsonAndTheHtmlReport(@TempDir Path out) throws Exception {
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        CommandLine cl = commandLine();
        cl.setOut(new PrintWriter(stdout));
        cl.setErr(new PrintWriter(stderr));
        TestPostgres pg = TestPostgres.get();

        int exit = cl.execute("compare", "direct=" + pg.host() + ":" + pg.port(), "pgmux=" + pgmux.host() + ":" + pgmux.port(),
                "-w", "select1/simple@4", "-w", "storm@10", "-r", "2", "-T", "500ms", "--warmup", "100ms",
                "-d", TestPostgres.DATABASE, "--no-setup", "-o", out.toString());

        assertEquals(0, exit, stderr.toString());
        assertTrue(stdout.toString().contains("select1/simple@4"), stdout.toString());
        assertTrue(stdout.toString().contains("vs direct"), stdout.toString());
        String json = Files.readString(out.resolve("result.json"));
        assertTrue(json.contains("\"workload\": \"storm@10\""), json);
        assertTrue(Files.readString(out.resolve("report.html")).contains("<svg"));
        assertTrue(Files.exists(out.resolve("table.txt")));
    }

    @Test
    void runPrintsOneRowAndExitsZeroWithoutErrors() {
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        CommandLine cl = commandLine();
        cl.setOut(new PrintWriter(stdout));
        cl.setErr(new PrintWriter(stderr));

        int exit = cl.execute("run", "select1", "-c", "3", "-T", "500ms", "--warmup", "100ms", "--target",
                pgmux.host() + ":" + pgmux.port(), "-d", TestPostgres.DATABASE);

        assertEquals(0, exit, stderr + "\n" + stdout);
        assertTrue(stdout.toString().contains("select1/simple@3"), stdout.toString());
    }

    private static CommandLine commandLine() {
        return BenchCommand.commandLine();
    }
}
