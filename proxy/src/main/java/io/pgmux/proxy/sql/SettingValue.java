package io.pgmux.proxy.sql;

/**
 * The value of a {@code SET}, read from the text after {@code TO} or {@code =} the way Postgres
 * reads it: comma-separated items, each a quoted literal, a double-quoted name, or a plain word or
 * number. What pgmux cannot read exactly gives null, so the command is taken as one it does not
 * follow.
 */
final class SettingValue {
    private SettingValue() {
    }

    /**
     * The value in {@code sql} from {@code from} to its end (trailing white space and semicolons
     * left out): its items, unquoted literals written as they are or, where {@code stringsAreNames},
     * as names, joined by ", ". Null when empty, when more than one statement follows, or for forms
     * not read here (U&'...', typed literals, octal, hex and Unicode escapes).
     */
    static String read(String sql, int from, boolean stringsAreNames) {
        int end = sql.length();
        while (end > from && (Character.isWhitespace(sql.charAt(end - 1)) || sql.charAt(end - 1) == ';')) {
            end--;
        }
        if (end <= from) {
            return null;
        }
        StringBuilder value = new StringBuilder();
        StringBuilder item = new StringBuilder();
        boolean itemIsString = false;
        char quote = 0;
        for (int i = from; i < end; i++) {
            char c = sql.charAt(i);
            if (quote != 0) {
                if (c == quote && i + 1 < end && sql.charAt(i + 1) == quote) {
                    item.append(c);
                    if (quote == '"') {
                        item.append(c);
                    }
                    i++;
                } else if (c == quote) {
                    if (quote == '"') {
                        item.append(c);
                    }
                    quote = 0;
                } else {
                    item.append(c);
                }
            } else if (sql.startsWith("--", i) || sql.startsWith("/*", i)) {
                // a comment separates like white space
                int lineEnd = sql.indexOf('\n', i);
                int after = sql.charAt(i) == '-' ? (lineEnd < 0 ? end : lineEnd) : SqlText.afterBlockComment(sql, i);
                i = Math.min(after, end) - 1;
                if (!item.isEmpty()) {
                    item.append(' ');
                }
            } else if (c == '\'' && (item.toString().equals("E") || item.toString().equals("e"))) {
                int after = escapeString(sql, i + 1, end, item);
                if (after < 0) {
                    return null;
                }
                itemIsString = true;
                i = after - 1;
            } else if (c == '\'' || c == '"') {
                if (!item.isEmpty()) {
                    return null; // U&'...', a typed literal: not read here
                }
                quote = c;
                itemIsString = c == '\'';
                if (c == '"') {
                    item.append(c);
                }
            } else if (c == '$' && item.isEmpty()) {
                int after = dollarString(sql, i, end, item);
                if (after < 0) {
                    return null;
                }
                itemIsString = true;
                i = after - 1;
            } else if (c == ',') {
                appendItem(value, item, itemIsString && stringsAreNames);
                item.setLength(0);
                itemIsString = false;
            } else if (c == ';') {
                return null;
            } else if (!Character.isWhitespace(c) || !item.isEmpty()) {
                item.append(c);
            }
        }
        if (quote != 0) {
            return null;
        }
        appendItem(value, item, itemIsString && stringsAreNames);
        return value.toString();
    }

    /**
     * Reads the escape string whose text starts at {@code i} (after {@code E'}) into {@code item}
     * (replacing the E); the index after its closing quote, or -1 for an escape not read here.
     */
    private static int escapeString(String sql, int i, int end, StringBuilder item) {
        item.setLength(0);
        while (i < end) {
            char c = sql.charAt(i);
            if (c == '\\') {
                if (i + 1 >= end) {
                    return -1;
                }
                char escaped = sql.charAt(i + 1);
                switch (escaped) {
                    case 'n' -> item.append('\n');
                    case 't' -> item.append('\t');
                    case 'r' -> item.append('\r');
                    case 'b' -> item.append('\b');
                    case 'f' -> item.append('\f');
                    case '\\', '\'', '"' -> item.append(escaped);
                    default -> {
                        return -1; // octal, hex and Unicode escapes: not read here
                    }
                }
                i += 2;
            } else if (c == '\'') {
                if (i + 1 < end && sql.charAt(i + 1) == '\'') {
                    item.append(c);
                    i += 2;
                } else {
                    return i + 1;
                }
            } else {
                item.append(c);
                i++;
            }
        }
        return -1;
    }

    /** Reads the dollar-quoted string starting at {@code i} into {@code item}; the index after it, or -1. */
    private static int dollarString(String sql, int i, int end, StringBuilder item) {
        int tagEnd = SqlText.dollarTagEnd(sql, i);
        if (tagEnd < 0 || tagEnd >= end) {
            return -1;
        }
        String tag = sql.substring(i, tagEnd + 1);
        int close = sql.indexOf(tag, tagEnd + 1);
        if (close < 0 || close + tag.length() > end) {
            return -1;
        }
        item.append(sql, tagEnd + 1, close);
        return close + tag.length();
    }

    /** Appends an item; a string that stands for a name is written as that name, quoted if it must be. */
    private static void appendItem(StringBuilder value, StringBuilder item, boolean stringIsName) {
        if (!value.isEmpty()) {
            value.append(", ");
        }
        String text = item.toString().strip();
        boolean plainName = !text.isEmpty() && (Character.isLowerCase(text.charAt(0)) || text.charAt(0) == '_')
                && text.chars().allMatch(ch -> ch < 0x80 && (Character.isLowerCase(ch) || Character.isDigit(ch) || ch == '_' || ch == '$'));
        value.append(stringIsName && !plainName ? '"' + text.replace("\"", "\"\"") + '"' : text);
    }
}
