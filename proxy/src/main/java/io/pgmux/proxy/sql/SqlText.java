package io.pgmux.proxy.sql;

/**
 * The pieces of decoded SQL text that can hide a semicolon or a keyword, read as Postgres's lexer
 * reads them: quoted strings and names, dollar-quoted strings, and comments. Each {@code after*}
 * method takes the index where the piece starts and returns the index after it, or the end of the
 * text when the piece is not closed.
 */
final class SqlText {
    private SqlText() {
    }

    /**
     * After the text quoted by {@code quote} whose inside starts at {@code i}; a doubled quote is one
     * of it.
     *
     * @param backslashEscapes whether {@code \} escapes the next character (E'...', or '...' with
     *                         {@code standard_conforming_strings} off)
     */
    static int afterQuoted(String sql, int i, char quote, boolean backslashEscapes) {
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (backslashEscapes && c == '\\') {
                i += 2;
            } else if (c == quote) {
                if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
                    i += 2;
                } else {
                    return i + 1;
                }
            } else {
                i++;
            }
        }
        return i;
    }

    /** After the {@code --} comment at {@code i}: the start of the next line. */
    static int afterLineComment(String sql, int i) {
        int lineEnd = sql.indexOf('\n', i);
        return lineEnd < 0 ? sql.length() : lineEnd + 1;
    }

    /** After the block comment at {@code i}; block comments nest. */
    static int afterBlockComment(String sql, int i) {
        int depth = 0;
        while (i < sql.length()) {
            if (sql.startsWith("/*", i)) {
                depth++;
                i += 2;
            } else if (sql.startsWith("*/", i)) {
                i += 2;
                if (--depth == 0) {
                    return i;
                }
            } else {
                i++;
            }
        }
        return i;
    }

    /**
     * The index of the {@code $} that closes the dollar-quote tag opened at {@code i} ({@code $$},
     * {@code $tag$}), or -1 when the {@code $} at {@code i} opens none ({@code $1}, {@code a$b}).
     */
    static int dollarTagEnd(String sql, int i) {
        int tagEnd = sql.indexOf('$', i + 1);
        if (tagEnd < 0) {
            return -1;
        }
        for (int j = i + 1; j < tagEnd; j++) {
            char c = sql.charAt(j);
            if (!Character.isLetterOrDigit(c) && c != '_') {
                return -1;
            }
        }
        return tagEnd;
    }

    /** After the dollar-quoted string at {@code i}, or -1 when the {@code $} at {@code i} opens none. */
    static int afterDollarQuoted(String sql, int i) {
        int tagEnd = dollarTagEnd(sql, i);
        if (tagEnd < 0) {
            return -1;
        }
        int close = sql.indexOf(sql.substring(i, tagEnd + 1), tagEnd + 1);
        return close < 0 ? sql.length() : close + tagEnd + 1 - i;
    }

    static boolean isIdentifierChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }

    /** Whether {@code sql} holds exactly the lower-case ASCII {@code keyword} in [from, to), ASCII letters in either case. */
    static boolean isKeyword(String sql, int from, int to, String keyword) {
        if (to - from != keyword.length()) {
            return false;
        }
        for (int i = 0; i < keyword.length(); i++) {
            char c = sql.charAt(from + i);
            if ((c >= 'A' && c <= 'Z' ? (char) (c | 0x20) : c) != keyword.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Lower case for ASCII letters only, as Postgres folds identifiers: the length never changes. */
    static String asciiLowerCase(String text) {
        char[] chars = text.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            if (chars[i] >= 'A' && chars[i] <= 'Z') {
                chars[i] = (char) (chars[i] | 0x20);
            }
        }
        return new String(chars);
    }
}
