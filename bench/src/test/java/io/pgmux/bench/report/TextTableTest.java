package io.pgmux.bench.report;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TextTableTest {

    @Test
    void columnsArePaddedToTheWidestCellNumbersOnTheRight() {
        String table = new TextTable("<name", "tps").row("pgmux", "12,345").row("direct", "9").render();

        assertEquals("""
                name       tps
                ------  ------
                pgmux   12,345
                direct       9
                """, table);
    }

    @Test
    void aRowOfTheWrongWidthIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new TextTable("a", "b").row("1"));
    }

    @Test
    void htmlCellsAreEscaped() {
        String html = new TextTable("<name").row("<script>").renderHtml();

        assertTrue(html.contains("&lt;script&gt;"), html);
    }
}
