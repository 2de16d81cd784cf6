package io.pgmux.bench.report;

import io.pgmux.bench.scenario.Workload;
import io.pgmux.bench.stats.LatencySummary;
import io.pgmux.bench.stats.Measurement;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SummaryTest {
    static final Workload SELECT1 = Workload.parse("select1/simple@50");
    static final Workload IDLE = Workload.parse("idle@1000");
    static final Workload STORM = Workload.parse("storm@100");

    static Measurement throughput(String target, int rep, long transactions, double p99Micros, long errors) {
        return new Measurement(target, SELECT1, rep, 50, 10, transactions, errors,
                new LatencySummary(transactions, p99Micros / 2, p99Micros / 4, p99Micros / 2, p99Micros, p99Micros * 2, p99Micros * 3),
                errors == 0 ? Map.of() : Map.of("XX000 boom", errors), 2.0, 100L * 1024 * 1024, null, null, 1.0, null);
    }

    @Test
    void eachTargetGetsTheMedianOfItsRepetitionsAndRatiosDivideMedians() {
        List<Measurement> runs = List.of(
                throughput("direct", 1, 100_000, 1000, 0), throughput("pgmux", 1, 120_000, 900, 0),
                throughput("direct", 2, 80_000, 3000, 0), throughput("pgmux", 2, 130_000, 800, 1),
                throughput("direct", 3, 90_000, 2000, 0), throughput("pgmux", 3, 10_000, 5000, 2));

        Summary summary = Summary.of(runs, List.of(SELECT1), List.of("direct", "pgmux"));

        Summary.Row direct = summary.row(SELECT1, "direct").orElseThrow();
        Summary.Row pgmux = summary.row(SELECT1, "pgmux").orElseThrow();
        assertEquals(9_000, direct.tps(), 1e-9);
        assertEquals(12_000, pgmux.tps(), 1e-9);
        assertEquals(1_000, pgmux.tpsMin(), 1e-9);
        assertEquals(13_000, pgmux.tpsMax(), 1e-9);
        assertEquals(2000, direct.latency().p99(), 1e-9);
        assertEquals(900, pgmux.latency().p99(), 1e-9);
        assertEquals(3, pgmux.errors());
        assertEquals(3L, pgmux.errorMessages().get("XX000 boom"));
        assertEquals(12_000.0 / 9_000, summary.ratio(pgmux, "direct"), 1e-9);
        assertEquals(900.0 / 2000, summary.p99Ratio(pgmux, "direct"), 1e-9);
        assertTrue(Double.isNaN(summary.ratio(direct, "direct")), "no ratio against itself");
        assertTrue(Double.isNaN(summary.ratio(pgmux, "pgbouncer")), "no ratio against a missing target");
        assertEquals(100, pgmux.rssMb(), 1e-9);
        assertEquals(2.0 * 1e6 / 120_000, pgmux.cpuMicrosPerTx(), 1e-6);
    }

    @Test
    void aSkippedTargetHasARowThatSaysWhyAndNoRatios() {
        List<Measurement> runs = List.of(
                Measurement.skipped("direct", IDLE, 1, "over direct's limit of 1000 clients"),
                new Measurement("pgmux", IDLE, 1, 1000, 10, 0, 0, LatencySummary.EMPTY, Map.of(), 0.1,
                        150L * 1024 * 1024, 50L * 1024 * 1024, null, 0.2, null));

        Summary summary = Summary.of(runs, List.of(IDLE), List.of("direct", "pgmux"));

        Summary.Row direct = summary.row(IDLE, "direct").orElseThrow();
        Summary.Row pgmux = summary.row(IDLE, "pgmux").orElseThrow();
        assertFalse(direct.ran());
        assertEquals("over direct's limit of 1000 clients", direct.skipped());
        assertEquals(150, pgmux.rssMb(), 1e-9);
        assertEquals(150 * 1024.0 / 1000, pgmux.rssPerClientKb(), 1e-9);
        assertTrue(Double.isNaN(summary.ratio(pgmux, "direct")));
    }

    @Test
    void aStormWithClientsThatNeverGotReadyHasNoTimeUntilAllReady() {
        List<Measurement> runs = List.of(
                new Measurement("pgmux", STORM, 1, 100, 1.5, 100, 0, LatencySummary.EMPTY, Map.of(), null, null, null, 1.5, 0, null),
                new Measurement("pgmux", STORM, 2, 90, 3.0, 90, 10, LatencySummary.EMPTY, Map.of("timeout", 10L), null, null, null,
                        null, 0, null));

        Summary.Row row = Summary.of(runs, List.of(STORM), List.of("pgmux")).row(STORM, "pgmux").orElseThrow();

        assertTrue(Double.isNaN(row.allReadySeconds()));
        assertEquals(90, row.clientsReady());
        assertEquals(10, row.errors());
    }

    @Test
    void textReportShowsTheTableRatiosAndErrors() {
        List<Measurement> runs = List.of(throughput("direct", 1, 100_000, 1000, 0), throughput("pgmux", 1, 50_000, 2000, 7));

        String text = TextReport.render(Summary.of(runs, List.of(SELECT1), List.of("direct", "pgmux")),
                List.of("direct", "pgbouncer"));

        assertTrue(text.contains("vs direct"), text);
        assertFalse(text.contains("vs pgbouncer"), "absent references are left out:\n" + text);
        assertTrue(text.contains("0.50x"), text);
        assertTrue(text.contains("select1/simple@50 pgmux: 7 errors"), text);
        assertTrue(text.contains("XX000 boom"), text);
    }
}
