package io.pgmux.proxy.testing;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.RowDescription;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The admin console's answers, read with {@link RawClient}: {@code Console.show(client, "SHOW POOLS")}
 * gives the column names and rows of the result, or the error.
 */
public final class Console {
    private Console() {
    }

    /** One result: column names in order, rows as text (null for NULL), the error if the command failed. */
    public record Result(List<String> columns, List<List<String>> rows, ErrorResponse error, List<ErrorResponse> notices,
                         String tag) {

        /** The rows whose column {@code column} equals {@code value}. */
        public List<Map<String, String>> where(String column, String value) {
            return maps(row -> value.equals(row.get(column)));
        }

        public List<Map<String, String>> maps(Predicate<Map<String, String>> filter) {
            List<Map<String, String>> out = new ArrayList<>();
            for (List<String> row : rows) {
                Map<String, String> map = new java.util.LinkedHashMap<>();
                for (int i = 0; i < columns.size(); i++) {
                    map.put(columns.get(i), row.get(i));
                }
                if (filter.test(map)) {
                    out.add(map);
                }
            }
            return out;
        }

        /** The single row matching, failing otherwise. */
        public Map<String, String> one(String column, String value) {
            List<Map<String, String>> rows = where(column, value);
            if (rows.size() != 1) {
                throw new AssertionError("expected one row with " + column + "=" + value + ", got " + rows
                        + (error != null ? " (error " + error + ")" : ""));
            }
            return rows.get(0);
        }
    }

    public static Result show(RawClient console, String sql) throws IOException {
        return read(console.query(sql));
    }

    /** Reads the replies to a query already sent, up to ReadyForQuery. */
    public static Result read(List<RawClient.Reply> replies) {
        List<String> columns = List.of();
        List<List<String>> rows = new ArrayList<>();
        List<ErrorResponse> notices = new ArrayList<>();
        ErrorResponse error = null;
        String tag = null;
        for (RawClient.Reply reply : replies) {
            switch (reply.type()) {
                case Backend.ROW_DESCRIPTION -> columns = RowDescription.decode(reply.buf()).fields().stream()
                        .map(RowDescription.Field::name).toList();
                case Backend.DATA_ROW -> rows.add(reply.row());
                case Backend.ERROR_RESPONSE -> error = reply.error();
                case Backend.NOTICE_RESPONSE -> notices.add(reply.error());
                case Backend.COMMAND_COMPLETE -> tag = reply.tag();
                default -> {
                }
            }
        }
        return new Result(columns, rows, error, notices, tag);
    }
}
