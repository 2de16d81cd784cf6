package io.pgmux.proxy.admin;

import io.pgmux.protocol.message.CommandComplete;
import io.pgmux.protocol.message.DataRow;
import io.pgmux.protocol.message.RowDescription;
import io.pgmux.protocol.message.WireMessage;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A result set the console sends: column names with PgBouncer's types, rows of values (numbers,
 * strings, null for NULL), all in text format, then {@code CommandComplete "SHOW"}.
 */
final class ResultTable {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    /** A column: its name and type OID. */
    record Column(String name, int type) {}

    private final List<Column> columns;
    private final List<List<String>> rows = new ArrayList<>();

    private ResultTable(List<Column> columns) {
        this.columns = columns;
    }

    /**
     * Columns typed the way PgBouncer's admin.c spells them, one letter each: {@code s} text,
     * {@code i} int4, {@code q} int8, {@code N} numeric, {@code T} a timestamp sent as text.
     */
    static ResultTable of(String types, String... names) {
        if (types.length() != names.length) {
            throw new IllegalArgumentException(types.length() + " types for " + names.length + " columns");
        }
        List<Column> columns = new ArrayList<>(names.length);
        for (int i = 0; i < names.length; i++) {
            columns.add(new Column(names[i], oid(types.charAt(i))));
        }
        return new ResultTable(columns);
    }

    ResultTable row(Object... values) {
        if (values.length != columns.size()) {
            throw new IllegalArgumentException(values.length + " values for " + columns.size() + " columns");
        }
        rows.add(Arrays.stream(values).map(v -> v == null ? null : v.toString()).toList());
        return this;
    }

    List<String> columnNames() {
        return columns.stream().map(Column::name).toList();
    }

    List<List<String>> rows() {
        return rows;
    }

    List<WireMessage> messages() {
        List<WireMessage> out = new ArrayList<>(rows.size() + 2);
        out.add(new RowDescription(columns.stream().map(c -> RowDescription.Field.text(c.name(), c.type())).toList()));
        rows.forEach(row -> out.add(new DataRow(row)));
        out.add(new CommandComplete("SHOW"));
        return out;
    }

    /** A time as PgBouncer shows it: {@code 2026-01-02 03:04:05 UTC}. */
    static String time(long epochMillis) {
        return TIME.format(Instant.ofEpochMilli(epochMillis));
    }

    private static int oid(char type) {
        return switch (type) {
            case 's', 'T' -> RowDescription.TEXT;
            case 'i' -> RowDescription.INT4;
            case 'q' -> RowDescription.INT8;
            case 'N' -> RowDescription.NUMERIC;
            default -> throw new IllegalArgumentException("unknown column type " + type);
        };
    }
}
