package io.pgmux.bench.report;

import io.pgmux.bench.scenario.Workload;
import io.pgmux.bench.stats.LatencySummary;
import io.pgmux.bench.stats.Measurement;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HtmlReportTest {

    @Test
    void theReportIsOnePageWithChartsAndNothingToFetch() {
        Workload at50 = Workload.parse("select1/simple@50");
        Workload at1000 = Workload.parse("select1/simple@1000");
        Workload idle = Workload.parse("idle@100");
        List<Measurement> runs = List.of(
                SummaryTest.throughput("direct", 1, 100_000, 1000, 0),
                new Measurement("direct", at1000, 1, 1000, 10, 50_000, 0, new LatencySummary(1, 1, 1, 1, 1, 1, 1), Map.of(),
                        null, null, null, null, 0, null),
                new Measurement("pgmux<b>", idle, 1, 100, 10, 0, 0, LatencySummary.EMPTY, Map.of(), null, 1L << 27,
                        1L << 26, null, 0, null));
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("date", "2026-01-01T00:00:00Z");

        String html = HtmlReport.render("t", meta, Summary.of(runs, List.of(at50, at1000, idle), List.of("direct", "pgmux<b>")),
                List.of("direct"));

        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(html.contains("select1/simple: transactions/s"), "a throughput-vs-clients chart");
        assertTrue(html.contains("select1/simple@50: latency"), "a latency chart per workload");
        assertTrue(html.contains("idle: resident memory"), "the idle chart");
        assertEquals(4, html.split("<svg ", -1).length - 1, "two latency charts, one line chart, one idle chart");
        assertTrue(html.contains("pgmux&lt;b&gt;"), "names are escaped");
        assertFalse(html.contains("pgmux<b>"), "names are escaped everywhere");
        assertFalse(html.contains("<script"), "no script");
        assertFalse(html.contains("src="), "nothing loaded from elsewhere");
    }

    @Test
    void axisMaximaAreRound() {
        assertEquals(10_000, Svg.niceMax(9_001));
        assertEquals(2_500, Svg.niceMax(2_100));
        assertEquals(1, Svg.niceMax(0));
    }
}
