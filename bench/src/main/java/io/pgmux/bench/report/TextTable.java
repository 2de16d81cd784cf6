package io.pgmux.bench.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A plain-text table: a header, rows, columns padded to their widest cell; numbers right-aligned. */
public final class TextTable {
    private final List<String> header;
    private final boolean[] rightAligned;
    private final List<List<String>> rows = new ArrayList<>();

    /** Column names; a name starting with '<' is left-aligned (the '<' is dropped), others right-aligned. */
    public TextTable(String... columns) {
        this.header = new ArrayList<>();
        this.rightAligned = new boolean[columns.length];
        for (int i = 0; i < columns.length; i++) {
            boolean left = columns[i].startsWith("<");
            header.add(left ? columns[i].substring(1) : columns[i]);
            rightAligned[i] = !left;
        }
    }

    public TextTable row(String... cells) {
        if (cells.length != header.size()) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, the table " + header.size() + " columns");
        }
        rows.add(Arrays.asList(cells));
        return this;
    }

    public boolean isEmpty() {
        return rows.isEmpty();
    }

    /** The table as lines joined by '\n', ending with one. */
    public String render() {
        int[] widths = new int[header.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = header.get(i).length();
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        StringBuilder out = new StringBuilder();
        line(out, header, widths);
        StringBuilder rule = new StringBuilder();
        for (int i = 0; i < widths.length; i++) {
            rule.append(i == 0 ? "" : "  ").append("-".repeat(widths[i]));
        }
        out.append(rule).append('\n');
        for (List<String> row : rows) {
            line(out, row, widths);
        }
        return out.toString();
    }

    /** The table as an HTML {@code <table>}, cells escaped. */
    public String renderHtml() {
        StringBuilder out = new StringBuilder("<table>\n<thead><tr>");
        for (int i = 0; i < header.size(); i++) {
            out.append(rightAligned[i] ? "<th class='n'>" : "<th>").append(Svg.esc(header.get(i))).append("</th>");
        }
        out.append("</tr></thead>\n<tbody>\n");
        for (List<String> row : rows) {
            out.append("<tr>");
            for (int i = 0; i < row.size(); i++) {
                out.append(rightAligned[i] ? "<td class='n'>" : "<td>").append(Svg.esc(row.get(i))).append("</td>");
            }
            out.append("</tr>\n");
        }
        return out.append("</tbody></table>\n").toString();
    }

    private void line(StringBuilder out, List<String> cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            String cell = cells.get(i);
            String pad = " ".repeat(widths[i] - cell.length());
            line.append(i == 0 ? "" : "  ").append(rightAligned[i] ? pad + cell : cell + pad);
        }
        out.append(line.toString().stripTrailing()).append('\n');
    }
}
