package io.pgmux.bench.soak;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsTextTest {
    @Test
    void sumsEachMetricOverItsLabels() {
        MetricsText text = new MetricsText("""
                # HELP pgmux_pool_servers Server connections by state.
                # TYPE pgmux_pool_servers gauge
                pgmux_pool_servers{database="a",user="u",state="idle"} 3
                pgmux_pool_servers{database="a",user="u",state="active"} 2
                pgmux_pool_servers{database="b",user="u",state="idle"} 1
                pgmux_jvm_heap_after_gc_bytes 1.5E7
                pgmux_info{version="0.1 {beta}"} 1
                pgmux_broken{x="y"} not-a-number
                """);
        assertEquals(6, text.sum("pgmux_pool_servers"));
        assertEquals(1.5e7, text.sum("pgmux_jvm_heap_after_gc_bytes"));
        assertEquals(1, text.sum("pgmux_info"), "a brace inside a label value");
        assertTrue(Double.isNaN(text.sum("pgmux_broken")));
        assertTrue(Double.isNaN(text.sum("pgmux_absent")));
        assertTrue(Double.isNaN(new MetricsText("").sum("pgmux_pool_servers")));
    }
}
