package io.pgmux.proxy.admin;

import io.pgmux.protocol.message.CommandComplete;
import io.pgmux.protocol.message.DataRow;
import io.pgmux.protocol.message.RowDescription;
import io.pgmux.protocol.message.WireMessage;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ResultTableTest {

    @Test
    void columnsAreTypedAsPgBouncerDescribesThemAndValuesAreText() {
        // given: text, int4, int8, numeric and a timestamp sent as text, as in admin.c
        ResultTable table = ResultTable.of("siqNT", "database", "cl_active", "count", "total", "connect_time")
                .row("app", 3, 7L, 12L, "2026-01-02 03:04:05 UTC")
                .row("other", 0, 0L, 0L, null);

        // when
        List<WireMessage> messages = table.messages();

        // then
        assertEquals(new RowDescription(List.of(
                RowDescription.Field.text("database", RowDescription.TEXT),
                RowDescription.Field.text("cl_active", RowDescription.INT4),
                RowDescription.Field.text("count", RowDescription.INT8),
                RowDescription.Field.text("total", RowDescription.NUMERIC),
                RowDescription.Field.text("connect_time", RowDescription.TEXT))), messages.get(0));
        assertEquals(new DataRow(List.of("app", "3", "7", "12", "2026-01-02 03:04:05 UTC")), messages.get(1));
        assertEquals(new DataRow(Arrays.asList("other", "0", "0", "0", null)), messages.get(2));
        assertEquals(new CommandComplete("SHOW"), messages.get(3));
    }

    @Test
    void aRowMustFitTheColumns() {
        ResultTable table = ResultTable.of("ss", "a", "b");
        assertThrows(IllegalArgumentException.class, () -> table.row("only one"));
        assertThrows(IllegalArgumentException.class, () -> ResultTable.of("s", "a", "b"));
    }

    @Test
    void timesAreShownInUtcLikePgBouncer() {
        assertEquals("2026-01-02 03:04:05 UTC", ResultTable.time(1767323045000L));
    }
}
