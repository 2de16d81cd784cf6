package io.pgmux.bench.load;

import io.pgmux.bench.net.ConnectSettings;
import io.pgmux.bench.scenario.PgbenchScript;
import io.pgmux.bench.sql.Protocol;
import io.pgmux.bench.stats.LatencySummary;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PgbenchTest {
    private static final String OUTPUT_16 = """
            transaction type: <builtin: select only>
            scaling factor: 5
            query mode: prepared
            number of clients: 50
            number of threads: 2
            maximum number of tries: 1
            duration: 10 s
            number of transactions actually processed: 123456
            number of failed transactions: 3 (0.002%)
            latency average = 4.021 ms
            initial connection time = 45.120 ms
            tps = 12345.678901 (without initial connection time)
            """;

    @Test
    void readsTpsTransactionsAndFailuresFromItsOutput() {
        Pgbench.Result result = Pgbench.read(OUTPUT_16, 0, LatencySummary.newHistogram());

        assertEquals(12345.678901, result.tps(), 1e-9);
        assertEquals(123456, result.transactions());
        assertEquals(3, result.failed());
        assertEquals(Map.of(), result.errors());
    }

    @Test
    void anAbortedRunCountsAsFailedWithItsErrorLinesByText() {
        String output = """
                pgbench: error: client 3 aborted in command 1 (SQL) of script 0; ERROR:  relation "pgbench_accounts" does not exist
                pgbench: error: client 7 aborted in command 1 (SQL) of script 0; ERROR:  relation "pgbench_accounts" does not exist
                pgbench: error: Run was aborted; the above results are incomplete.
                """;

        Pgbench.Result result = Pgbench.read(output, 2, LatencySummary.newHistogram());

        assertEquals(0, result.transactions());
        assertEquals(1, result.failed());
        assertEquals(2L, result.errors().get(
                "pgbench: error: client N aborted in command 1 (SQL) of script 0; ERROR:  relation \"pgbench_accounts\" does not exist"));
    }

    @Test
    void logLinesGiveLatenciesInMicrosecondsAndFailedTransactionsAreLeftOut() {
        Histogram latencies = LatencySummary.newHistogram();
        for (String line : List.of("0 199 2241 0 1700000000 123456", "1 200 3150 0 1700000000 123999 12",
                "2 201 failed 0 1700000000 124000", "garbage")) {
            Pgbench.addLogLine(line, latencies);
        }

        LatencySummary summary = LatencySummary.of(latencies);
        assertEquals(2, summary.count());
        assertEquals(3150, summary.max(), 3150 * 0.001);
    }

    @Test
    void theCommandLogsInAsTheTargetAndSamplesItsLog() {
        ConnectSettings connect = new ConnectSettings("127.0.0.1", 6432, "bench", "alice", null, Duration.ofSeconds(5));

        List<String> command = new Pgbench("/usr/bin/pgbench", 0.25).command(connect, PgbenchScript.SELECT_ONLY,
                Protocol.PREPARED, 1000, 2, Duration.ofSeconds(8), Path.of("/tmp/x"));

        assertEquals(List.of("/usr/bin/pgbench", "-n", "-h", "127.0.0.1", "-p", "6432", "-U", "alice", "-c", "1000",
                "-j", "2", "-T", "8", "-M", "prepared", "-S", "-l", "--sampling-rate=0.25", "--log-prefix=/tmp/x/log",
                "bench"), command);
        assertTrue(new Pgbench("pgbench", 1).command(connect, PgbenchScript.TPCB_LIKE, Protocol.SIMPLE, 1, 2,
                Duration.ofMillis(300), Path.of("/tmp/x")).containsAll(List.of("-j", "1", "-T", "1", "-b", "tpcb-like")));
    }
}
