package io.pgmux.proxy.sql;

/**
 * The words of one decoded statement, read from the front as Postgres folds them: unquoted ones
 * lower-cased (ASCII letters only), quoted ones kept ("" is a quote). White space and comments
 * between them are skipped.
 */
final class Words {
    private final String sql;
    private int position;

    Words(String sql) {
        this.sql = sql;
    }

    /** Where reading stands: after the last word read (and the spaces skipped before the next, after {@link #nextIsQuoted}). */
    int position() {
        return position;
    }

    /** Reads on from {@code position} (after a part of the text read otherwise, such as a parenthesized list). */
    void moveTo(int position) {
        this.position = position;
    }

    boolean nextIsQuoted() {
        skipSpaces();
        return position < sql.length() && sql.charAt(position) == '"';
    }

    /** An identifier: quoted, or letters, digits, _ and $, folded to lower case. */
    String word() {
        skipSpaces();
        if (position >= sql.length()) {
            return null;
        }
        if (sql.charAt(position) == '"') {
            return quoted('"');
        }
        int begin = position;
        while (position < sql.length() && SqlText.isIdentifierChar(sql.charAt(position))) {
            position++;
        }
        return position == begin ? null : SqlText.asciiLowerCase(sql.substring(begin, position));
    }

    /** A name as Postgres reads one (see {@link #word}), or a string literal ('...', '' for a quote). */
    String nameOrString() {
        skipSpaces();
        return position < sql.length() && sql.charAt(position) == '\'' ? quoted('\'') : word();
    }

    /** A setting name: words joined by dots ({@code myapp.tenant}). */
    String name() {
        String name = word();
        while (name != null && position < sql.length() && sql.charAt(position) == '.') {
            position++;
            String part = word();
            name = part == null ? null : name + "." + part;
        }
        return name;
    }

    /** Skips {@code token} (a word, or a sign such as {@code =}) when it comes next. */
    boolean skip(String token) {
        skipSpaces();
        if (sql.regionMatches(true, position, token, 0, token.length())) {
            int after = position + token.length();
            boolean wordEnds = !Character.isLetterOrDigit(token.charAt(0)) || after >= sql.length()
                    || !SqlText.isIdentifierChar(sql.charAt(after));
            if (wordEnds) {
                position = after;
                return true;
            }
        }
        return false;
    }

    /** The rest of the statement read as a SET reads its value: see {@link SettingValue#read}. */
    String settingValue(boolean stringsAreNames) {
        skipSpaces();
        return SettingValue.read(sql, position, stringsAreNames);
    }

    /** Only spaces, comments and semicolons remain. */
    boolean atEnd() {
        while (true) {
            skipSpaces();
            if (position >= sql.length()) {
                return true;
            }
            if (sql.charAt(position) != ';') {
                return false;
            }
            position++;
        }
    }

    /** The text between {@code quote} at the position and the closing one (doubled: one of it); null if unclosed. */
    private String quoted(char quote) {
        StringBuilder text = new StringBuilder();
        int i = position + 1;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == quote) {
                if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
                    text.append(quote);
                    i += 2;
                    continue;
                }
                position = i + 1;
                return text.toString();
            }
            text.append(c);
            i++;
        }
        return null;
    }

    /** Skips white space and comments: {@code --} to the end of the line, and nested block comments. */
    private void skipSpaces() {
        while (position < sql.length()) {
            if (Character.isWhitespace(sql.charAt(position))) {
                position++;
            } else if (sql.startsWith("--", position)) {
                position = SqlText.afterLineComment(sql, position);
            } else if (sql.startsWith("/*", position)) {
                position = SqlText.afterBlockComment(sql, position);
            } else {
                break;
            }
        }
    }
}
