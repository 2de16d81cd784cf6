package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.Frames;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The few SQL commands pgmux must recognise in a simple Query: {@code DEALLOCATE [PREPARE] name|ALL}
 * and {@code PREPARE name ...} (but not {@code PREPARE TRANSACTION}). Only a Query whose first word
 * (after white space and comments) could be one of them is decoded at all; a DEALLOCATE is
 * recognised only as the whole query.
 */
record SqlCommand(Kind kind, String statementName) {
    enum Kind { DEALLOCATE, DEALLOCATE_ALL, PREPARE, OTHER }

    static final SqlCommand OTHER = new SqlCommand(Kind.OTHER, null);

    boolean isDeallocate() {
        return kind == Kind.DEALLOCATE || kind == Kind.DEALLOCATE_ALL;
    }

    boolean deallocatesAll() {
        return kind == Kind.DEALLOCATE_ALL;
    }

    boolean isPrepare() {
        return kind == Kind.PREPARE;
    }

    static SqlCommand of(ByteBuf queryFrame) {
        int start = queryFrame.readerIndex() + Frames.HEADER_SIZE;
        int end = queryFrame.writerIndex() - 1;
        while (start < end && isSpace(queryFrame.getByte(start))) {
            start++;
        }
        if (start == end) {
            return OTHER;
        }
        byte first = queryFrame.getByte(start);
        if (first != 'D' && first != 'd' && first != 'P' && first != 'p' && first != '/' && first != '-') {
            return OTHER;
        }
        return parse(queryFrame.toString(start, end - start, StandardCharsets.UTF_8));
    }

    static SqlCommand parse(String sql) {
        Tokens tokens = new Tokens(sql);
        String word = tokens.identifier();
        if ("prepare".equals(word)) {
            String next = tokens.identifier();
            return next == null || next.equals("transaction") ? OTHER : new SqlCommand(Kind.PREPARE, null);
        }
        if (!"deallocate".equals(word)) {
            return OTHER;
        }
        int mark = tokens.position;
        String name = tokens.identifier();
        if ("prepare".equals(name) && !tokens.atEnd()) {
            mark = tokens.position;
            name = tokens.identifier();
        }
        if (name == null || !tokens.atEnd()) {
            return OTHER;
        }
        boolean quoted = sql.charAt(skipSpaces(sql, mark)) == '"';
        return !quoted && name.equals("all") ? new SqlCommand(Kind.DEALLOCATE_ALL, null) : new SqlCommand(Kind.DEALLOCATE, name);
    }

    /** Skips white space and comments: {@code --} to the end of the line, and nested block comments. */
    private static int skipSpaces(String sql, int i) {
        while (i < sql.length()) {
            if (Character.isWhitespace(sql.charAt(i))) {
                i++;
            } else if (sql.startsWith("--", i)) {
                int lineEnd = sql.indexOf('\n', i);
                i = lineEnd < 0 ? sql.length() : lineEnd + 1;
            } else if (sql.startsWith("/*", i)) {
                i = afterBlockComment(sql, i);
            } else {
                break;
            }
        }
        return i;
    }

    private static int afterBlockComment(String sql, int i) {
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

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f';
    }

    /** Words of a statement as Postgres folds them: unquoted lower-cased, quoted kept ("" is a quote). */
    private static final class Tokens {
        private final String sql;
        private int position;

        Tokens(String sql) {
            this.sql = sql;
        }

        String identifier() {
            position = skipSpaces(sql, position);
            if (position >= sql.length()) {
                return null;
            }
            if (sql.charAt(position) == '"') {
                StringBuilder name = new StringBuilder();
                int i = position + 1;
                while (i < sql.length()) {
                    char c = sql.charAt(i);
                    if (c == '"') {
                        if (i + 1 < sql.length() && sql.charAt(i + 1) == '"') {
                            name.append('"');
                            i += 2;
                            continue;
                        }
                        position = i + 1;
                        return name.toString();
                    }
                    name.append(c);
                    i++;
                }
                return null;
            }
            int begin = position;
            while (position < sql.length() && isIdentifierChar(sql.charAt(position))) {
                position++;
            }
            return position == begin ? null : sql.substring(begin, position).toLowerCase(Locale.ROOT);
        }

        /** Only spaces, comments and semicolons remain. */
        boolean atEnd() {
            int i = skipSpaces(sql, position);
            while (i < sql.length() && sql.charAt(i) == ';') {
                i = skipSpaces(sql, i + 1);
            }
            return i >= sql.length();
        }

        private static boolean isIdentifierChar(char c) {
            return Character.isLetterOrDigit(c) || c == '_' || c == '$';
        }
    }
}
