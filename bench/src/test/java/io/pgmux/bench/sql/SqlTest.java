package io.pgmux.bench.sql;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SqlTest {

    @Test
    void placeholdersAreReplacedByQuotedLiteralsInAnyOrderAndRepeated() {
        Sql sql = new Sql("s", "UPDATE t SET a = a + $2 WHERE id = $1 OR other = $1 OR x = $10");
        String[] values = new String[10];
        for (int i = 0; i < 10; i++) {
            values[i] = Integer.toString(i + 1);
        }

        assertEquals(10, sql.parameterCount());
        assertEquals("UPDATE t SET a = a + '2' WHERE id = '1' OR other = '1' OR x = '10'", sql.inline(values));
    }

    @Test
    void quotesInValuesAreDoubledAndNullIsNull() {
        Sql sql = new Sql("s", "SELECT $1, $2");

        assertEquals("SELECT 'it''s', NULL", sql.inline("it's", null));
    }

    @Test
    void theWrongNumberOfValuesIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Sql("s", "SELECT $1").inline());
    }
}
