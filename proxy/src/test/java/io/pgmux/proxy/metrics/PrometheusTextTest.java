package io.pgmux.proxy.metrics;

import io.pgmux.proxy.testing.PrometheusTextParser;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PrometheusTextTest {

    @Test
    void familiesHaveHelpAndTypeOnceAndLabelValuesAreEscaped() {
        // given
        PrometheusText text = new PrometheusText()
                .family("pgmux_pool_clients", "gauge", "Clients.")
                .sample("pgmux_pool_clients", 3, "database", "we\"ird\\db\nname", "state", "active")
                .family("pgmux_pool_clients", "gauge", "Clients.")
                .sample("pgmux_pool_clients", 0.25, "database", "b", "state", "waiting");

        // when
        PrometheusTextParser.Exposition parsed = PrometheusTextParser.parse(text.toString());

        // then
        assertEquals(Map.of("pgmux_pool_clients", "gauge"), parsed.types());
        assertEquals(2, parsed.samples().size());
        assertEquals(Map.of("database", "we\"ird\\db\nname", "state", "active"), parsed.samples().get(0).labels());
        assertEquals(3.0, parsed.samples().get(0).value());
        assertEquals(0.25, parsed.samples().get(1).value());
    }

    @Test
    void numbersArePlain() {
        assertEquals("3", PrometheusText.format(3.0));
        assertEquals("0.0001", PrometheusText.format(0.0001));
        assertEquals("2.5", PrometheusText.format(2.5));
        assertEquals("+Inf", PrometheusText.format(Double.POSITIVE_INFINITY));
        assertEquals("NaN", PrometheusText.format(Double.NaN));
    }
}
