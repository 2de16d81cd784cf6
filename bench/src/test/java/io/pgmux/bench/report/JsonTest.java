package io.pgmux.bench.report;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JsonTest {

    @Test
    void nestedValuesAreWrittenIndented() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("name", "pgmux");
        root.put("tps", 12345.678901);
        root.put("count", 3);
        root.put("whole", 2.0);
        root.put("ok", true);
        root.put("list", List.of(1, "two"));
        root.put("empty", Map.of());

        assertEquals("""
                {
                  "name": "pgmux",
                  "tps": 12345.7,
                  "count": 3,
                  "whole": 2,
                  "ok": true,
                  "list": [
                    1,
                    "two"
                  ],
                  "empty": {}
                }
                """, Json.write(root));
    }

    @Test
    void unknownNumbersAreNull() {
        assertEquals("[\n  null,\n  null,\n  null\n]\n", Json.write(Arrays.asList(Double.NaN, Double.POSITIVE_INFINITY, null)));
    }

    @Test
    void stringsAreEscaped() {
        assertEquals("\"a\\\"b\\\\c\\nd\\u0001\"\n", Json.write("a\"b\\c\nd\u0001"));
    }

    @Test
    void smallNumbersKeepSixSignificantDigits() {
        assertEquals("0.00123457\n", Json.write(0.001234567));
    }
}
