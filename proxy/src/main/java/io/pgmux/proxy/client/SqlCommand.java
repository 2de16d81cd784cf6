package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The few SQL commands pgmux must recognise, when one makes up a whole query: {@code DEALLOCATE},
 * {@code PREPARE} (not {@code PREPARE TRANSACTION}), {@code DISCARD ALL}, and the session settings a client changes
 * ({@code SET [SESSION] name TO|= value}, {@code SET SCHEMA}, {@code SET ROLE}, {@code SET name TO DEFAULT},
 * {@code RESET name|ALL}); and, statement by statement, the settings a multi-statement query changes.
 * The first word is compared as bytes (after white space; a query that starts with a comment is
 * decoded to look past it), so the text of ordinary queries is never decoded.
 */
record SqlCommand(Kind kind, String name, String value) {
    /** {@code UNFOLLOWED}: changes session state in a way pgmux does not follow (its server must be reset before others use it). */
    enum Kind { DEALLOCATE, DEALLOCATE_ALL, PREPARE, SET, RESET, RESET_ALL, DISCARD_ALL, UNFOLLOWED, OTHER }

    static final SqlCommand OTHER = new SqlCommand(Kind.OTHER, null, null);
    static final SqlCommand UNFOLLOWED = new SqlCommand(Kind.UNFOLLOWED, null, null);
    private static final byte[][] KEYWORDS = {bytes("deallocate"), bytes("prepare"), bytes("set"), bytes("reset"), bytes("discard")};
    private static final byte[] SET_CONFIG = bytes("set_config");
    private static final byte[] PG_SETTINGS = bytes("pg_settings");
    private static final byte[] UPDATE = bytes("update");
    /** The spellings of a literal true as set_config's {@code is_local} (a transaction-local setting). */
    /** Settings whose value is a list of names: a string item is a name, quoted when it must be. */
    private static final Set<String> LIST_OF_NAMES = Set.of("search_path", "temp_tablespaces");
    private static final Set<String> LOCAL_TRUE = Set.of("true", "'true'", "'t'", "'on'", "'yes'", "'1'", "true::boolean");

    boolean isDeallocate() {
        return kind == Kind.DEALLOCATE || kind == Kind.DEALLOCATE_ALL;
    }

    boolean deallocatesAll() {
        return kind == Kind.DEALLOCATE_ALL;
    }

    boolean isPrepare() {
        return kind == Kind.PREPARE;
    }

    boolean isUnfollowed() {
        return kind == Kind.UNFOLLOWED;
    }

    boolean changesSetting() {
        return kind == Kind.SET || kind == Kind.RESET || kind == Kind.RESET_ALL;
    }

    /** The statement name of a DEALLOCATE. */
    String statementName() {
        return name;
    }

    /** Classifies the null-terminated SQL text starting at {@code start} in {@code buf}. */
    static SqlCommand of(ByteBuf buf, int start) {
        int limit = buf.writerIndex();
        int word = start;
        while (word < limit && isSpace(buf.getByte(word))) {
            word++;
        }
        if (word >= limit) {
            return OTHER;
        }
        int first = buf.getByte(word) | 0x20;
        boolean comment = first == '-' || first == '/';
        if (!comment && first != 'd' && first != 'p' && first != 's' && first != 'r') {
            return OTHER;
        }
        for (byte[] keyword : KEYWORDS) {
            if (comment || startsWithWord(buf, word, limit, keyword)) {
                int end = buf.forEachByte(word, limit - word, ByteProcessor.FIND_NUL);
                return end < 0 ? OTHER : parse(buf.toString(word, end - word, StandardCharsets.UTF_8));
            }
        }
        return OTHER;
    }

    /**
     * Whether some statement of a multi-statement query is an SQL PREPARE (the first one is
     * classified by {@link #of}). The text is decoded only when it contains the word at all.
     */
    static boolean hasLaterPrepare(ByteBuf buf, int start) {
        int end = buf.forEachByte(start, buf.writerIndex() - start, ByteProcessor.FIND_NUL);
        if (end < 0 || !hasTextAfterASemicolon(buf, start, end) || !containsIgnoringCase(buf, start, end, KEYWORDS[1])) {
            return false;
        }
        String sql = buf.toString(start, end - start, StandardCharsets.UTF_8);
        for (int statement : statementStarts(sql, false)) {
            if (statement > 0 && parse(sql.substring(statement)).isPrepare()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Each statement of a multi-statement query that mentions the word "set" (of SET and RESET),
     * classified ({@link #OTHER} for most), in the order the server completes them; null when the
     * query is one statement or does not mention the word, so that only such queries are decoded.
     * Empty statements ({@code ;;}) are left out: the server completes nothing for them.
     *
     * @param backslashEscapes whether {@code \} escapes in plain '...' strings ({@code standard_conforming_strings}
     *                         off): asked only for a text that is decoded
     */
    static List<SqlCommand> statementsMentioningSet(ByteBuf buf, int start, BooleanSupplier backslashEscapes) {
        int end = buf.forEachByte(start, buf.writerIndex() - start, ByteProcessor.FIND_NUL);
        if (end < 0 || !hasTextAfterASemicolon(buf, start, end) || !containsIgnoringCase(buf, start, end, KEYWORDS[2])) {
            return null;
        }
        String sql = buf.toString(start, end - start, StandardCharsets.UTF_8);
        List<Integer> starts = statementStarts(sql, backslashEscapes.getAsBoolean());
        List<SqlCommand> statements = new ArrayList<>(starts.size());
        for (int i = 0; i < starts.size(); i++) {
            String statement = sql.substring(starts.get(i), i + 1 < starts.size() ? starts.get(i + 1) - 1 : sql.length());
            if (!new Tokens(statement).atEnd()) {
                statements.add(parse(statement));
            }
        }
        return statements;
    }

    /** Whether the null-terminated text at {@code start} has a backslash. */
    static boolean hasBackslash(ByteBuf buf, int start) {
        int end = buf.forEachByte(start, buf.writerIndex() - start, ByteProcessor.FIND_NUL);
        return end > start && buf.forEachByte(start, end - start, b -> b != '\\') >= 0;
    }

    /**
     * Whether the query may call {@code set_config(name, value, is_local)} with {@code is_local} other
     * than a literal true: a change of the session's settings that pgmux cannot follow (name and
     * value may be computed). Errs on the side of yes. Decoded only when the word appears.
     */
    static boolean maySetConfigForTheSession(ByteBuf buf, int start) {
        int end = buf.forEachByte(start, buf.writerIndex() - start, ByteProcessor.FIND_NUL);
        if (end < 0) {
            return false;
        }
        // Both words have an underscore: most texts have none, and are read once, fast.
        boolean setConfig = false;
        boolean pgSettings = false;
        for (int underscore = buf.indexOf(start, end, (byte) '_'); underscore >= 0 && !setConfig;
                underscore = buf.indexOf(underscore + 1, end, (byte) '_')) {
            setConfig = matchesIgnoringCase(buf, underscore - 3, start, end, SET_CONFIG);
            pgSettings |= matchesIgnoringCase(buf, underscore - 2, start, end, PG_SETTINGS);
        }
        if (setConfig) {
            return maySetConfigForTheSession(buf.toString(start, end - start, StandardCharsets.UTF_8));
        }
        // UPDATE pg_settings SET setting = ... is Postgres's other spelling of set_config
        return pgSettings && containsIgnoringCase(buf, start, end, UPDATE);
    }

    static boolean maySetConfigForTheSession(String sql) {
        String lower = asciiLowerCase(sql);
        int call = lower.indexOf("set_config");
        while (call >= 0) {
            int open = call + "set_config".length();
            while (open < sql.length() && Character.isWhitespace(sql.charAt(open))) {
                open++;
            }
            if (open >= sql.length() || sql.charAt(open) != '(') {
                return true; // "set_config"(, set_config/**/(, or a mention pgmux cannot read: assume a call
            }
            int lastComma = -1;
            int depth = 0;
            int i = open + 1;
            while (i < sql.length() && (depth > 0 || sql.charAt(i) != ')')) {
                char c = sql.charAt(i);
                if (c == '\'' || c == '"') {
                    i = afterQuoted(sql, i + 1, c, false);
                    continue;
                }
                if (c == '(') {
                    depth++;
                } else if (c == ')') {
                    depth--;
                } else if (c == ',' && depth == 0) {
                    lastComma = i;
                }
                i++;
            }
            if (lastComma < 0 || i >= sql.length() || !LOCAL_TRUE.contains(lower.substring(lastComma + 1, i).strip())) {
                return true;
            }
            call = lower.indexOf("set_config", i);
        }
        return false;
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

    /**
     * Where each statement of {@code sql} starts: after each top-level semicolon, that is one not
     * inside a quoted string ('...', E'...', "...", $tag$...$tag$) or a comment.
     *
     * @param backslashEscapes whether {@code \} escapes in plain '...' strings ({@code standard_conforming_strings} off)
     */
    static List<Integer> statementStarts(String sql, boolean backslashEscapes) {
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        int i = 0;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == '\'') {
                // E'...' only where the E starts a token: name'...' is a typed literal
                boolean escapeString = i > 0 && (sql.charAt(i - 1) == 'E' || sql.charAt(i - 1) == 'e')
                        && (i < 2 || !Tokens.isIdentifierChar(sql.charAt(i - 2)));
                boolean escapes = backslashEscapes || escapeString;
                i = afterQuoted(sql, i + 1, '\'', escapes);
            } else if (c == '"') {
                i = afterQuoted(sql, i + 1, '"', false);
            } else if (c == '$') {
                int tagEnd = sql.indexOf('$', i + 1);
                String tag = tagEnd > 0 ? sql.substring(i, tagEnd + 1) : null;
                if (tag != null && tag.chars().skip(1).limit(tag.length() - 2L).allMatch(ch -> Character.isLetterOrDigit(ch) || ch == '_')) {
                    int close = sql.indexOf(tag, tagEnd + 1);
                    i = close < 0 ? sql.length() : close + tag.length();
                } else {
                    i++;
                }
            } else if (sql.startsWith("--", i)) {
                int lineEnd = sql.indexOf('\n', i);
                i = lineEnd < 0 ? sql.length() : lineEnd + 1;
            } else if (sql.startsWith("/*", i)) {
                i = new Tokens(sql).afterBlockComment(i);
            } else {
                if (c == ';') {
                    starts.add(i + 1);
                }
                i++;
            }
        }
        return starts;
    }

    private static int afterQuoted(String sql, int i, char quote, boolean backslashEscapes) {
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

    /** Most queries are one statement, with at most a semicolon at the end. */
    private static boolean hasTextAfterASemicolon(ByteBuf buf, int start, int end) {
        int semicolon = buf.forEachByte(start, end - start, ByteProcessor.FIND_SEMI_COLON);
        if (semicolon < 0) {
            return false;
        }
        for (int i = semicolon + 1; i < end; i++) {
            byte b = buf.getByte(i);
            if (!isSpace(b) && b != ';') {
                return true;
            }
        }
        return false;
    }

    /** Whether the lower-case ASCII {@code word} is at {@code at}, within [start, end), in either case. */
    private static boolean matchesIgnoringCase(ByteBuf buf, int at, int start, int end, byte[] word) {
        if (at < start || at + word.length > end) {
            return false;
        }
        for (int j = 0; j < word.length; j++) {
            if (toLowerAscii(buf.getByte(at + j)) != word[j]) {
                return false;
            }
        }
        return true;
    }

    /** Whether the lower-case ASCII {@code word} occurs in the bytes, ASCII letters compared in either case. */
    private static boolean containsIgnoringCase(ByteBuf buf, int start, int end, byte[] word) {
        for (int i = start; i + word.length <= end; i++) {
            int j = 0;
            while (j < word.length && toLowerAscii(buf.getByte(i + j)) == word[j]) {
                j++;
            }
            if (j == word.length) {
                return true;
            }
        }
        return false;
    }

    private static byte toLowerAscii(byte b) {
        return b >= 'A' && b <= 'Z' ? (byte) (b | 0x20) : b;
    }

    static SqlCommand parse(String sql) {
        Tokens tokens = new Tokens(sql);
        String word = tokens.word();
        if (word == null) {
            return OTHER;
        }
        switch (word) {
            case "prepare": {
                String next = tokens.word();
                return next == null || next.equals("transaction") ? OTHER : new SqlCommand(Kind.PREPARE, null, null);
            }
            case "deallocate":
                return parseDeallocate(tokens);
            case "discard": {
                boolean quoted = tokens.nextIsQuoted();
                String what = tokens.word();
                return !quoted && "all".equals(what) && tokens.atEnd() ? new SqlCommand(Kind.DISCARD_ALL, null, null) : OTHER;
            }
            case "set":
                return parseSet(tokens);
            case "reset": {
                boolean quoted = tokens.nextIsQuoted();
                String name = tokens.name();
                if (name == null || !tokens.atEnd()) {
                    return OTHER;
                }
                return !quoted && name.equals("all") ? new SqlCommand(Kind.RESET_ALL, null, null) : new SqlCommand(Kind.RESET, name, null);
            }
            default:
                return OTHER;
        }
    }

    private static SqlCommand parseDeallocate(Tokens tokens) {
        boolean quoted = tokens.nextIsQuoted();
        String name = tokens.word();
        if ("prepare".equals(name) && !quoted && !tokens.atEnd()) {
            quoted = tokens.nextIsQuoted();
            name = tokens.word();
        }
        if (name == null || !tokens.atEnd()) {
            return OTHER;
        }
        return !quoted && name.equals("all") ? new SqlCommand(Kind.DEALLOCATE_ALL, null, null)
                : new SqlCommand(Kind.DEALLOCATE, name, null);
    }

    /**
     * {@code SET [SESSION] name {TO|=} value}, {@code SET [SESSION] SCHEMA 'x'}, {@code SET ROLE}.
     * Transaction-scoped forms (LOCAL, TRANSACTION, CONSTRAINTS, {@code transaction_*}) end with
     * their transaction: {@link #OTHER}. TIME ZONE, NAMES and SESSION AUTHORIZATION change reported
     * settings, which pgmux follows from the server's ParameterStatus: {@link #OTHER}. Anything else
     * it cannot read (SESSION CHARACTERISTICS, XML OPTION, a value written E'...' or $$...$$) is
     * {@link #UNFOLLOWED}.
     */
    private static SqlCommand parseSet(Tokens tokens) {
        String name = tokens.name();
        if ("session".equals(name)) {
            name = tokens.name();
        }
        if (name == null) {
            return UNFOLLOWED;
        }
        if (name.equals("schema")) {
            String value = tokens.rest(true);
            return value == null ? UNFOLLOWED : new SqlCommand(Kind.SET, "search_path", value);
        }
        if (name.equals("role")) {
            return parseRole(tokens);
        }
        switch (name) {
            case "local", "transaction", "constraints", "time", "names", "authorization":
                return OTHER;
            default:
                break;
        }
        if (name.startsWith("transaction_")) {
            return OTHER;
        }
        if (!tokens.skip("to") && !tokens.skip("=")) {
            return UNFOLLOWED;
        }
        String value = tokens.rest(LIST_OF_NAMES.contains(name));
        if (value == null) {
            return UNFOLLOWED;
        }
        return value.equalsIgnoreCase("default") ? new SqlCommand(Kind.RESET, name, null) : new SqlCommand(Kind.SET, name, value);
    }

    /**
     * {@code SET [SESSION] ROLE name|NONE}, also written {@code SET role {TO|=} 'name'}: the role is a
     * name (folded to lower case unless double-quoted) or a string; {@code none} resets it.
     */
    private static SqlCommand parseRole(Tokens tokens) {
        if (!tokens.skip("to")) {
            tokens.skip("=");
        }
        if (!tokens.nextIsQuoted() && tokens.skip("default") && tokens.atEnd()) {
            return new SqlCommand(Kind.RESET, "role", null);
        }
        String role = tokens.nameOrString();
        if (role == null || !tokens.atEnd()) {
            return OTHER;
        }
        return role.equals("none") ? new SqlCommand(Kind.RESET, "role", null) : new SqlCommand(Kind.SET, "role", role);
    }

    private static boolean startsWithWord(ByteBuf buf, int start, int end, byte[] keyword) {
        if (end - start < keyword.length) {
            return false;
        }
        for (int i = 0; i < keyword.length; i++) {
            if ((buf.getByte(start + i) | 0x20) != keyword[i]) {
                return false;
            }
        }
        if (start + keyword.length == end) {
            return true;
        }
        byte after = buf.getByte(start + keyword.length);
        return isSpace(after) || after == ';' || after == 0;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f';
    }

    private static byte[] bytes(String keyword) {
        return keyword.getBytes(StandardCharsets.US_ASCII);
    }

    /** Words of a statement as Postgres folds them: unquoted lower-cased, quoted kept ("" is a quote). */
    private static final class Tokens {
        private final String sql;
        private int position;

        Tokens(String sql) {
            this.sql = sql;
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
            while (position < sql.length() && isIdentifierChar(sql.charAt(position))) {
                position++;
            }
            return position == begin ? null : asciiLowerCase(sql.substring(begin, position));
        }

        /** A name as Postgres reads one (see {@link #word}), or a string literal ('...', '' for a quote). */
        String nameOrString() {
            skipSpaces();
            return position < sql.length() && sql.charAt(position) == '\'' ? quoted('\'') : word();
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

        boolean skip(String token) {
            skipSpaces();
            if (sql.regionMatches(true, position, token, 0, token.length())) {
                int after = position + token.length();
                boolean wordEnds = !Character.isLetterOrDigit(token.charAt(0)) || after >= sql.length()
                        || !isIdentifierChar(sql.charAt(after));
                if (wordEnds) {
                    position = after;
                    return true;
                }
            }
            return false;
        }

        /**
         * The rest of the statement as a setting value, the way SET reads it: comma-separated items,
         * each a quoted literal (unquoted here; written as a name where {@code stringsAreNames}), a
         * double-quoted name or a plain word or number, joined by ", ". Null when empty, when more
         * than one statement follows, or for forms not read here (U&'...', typed literals, some escapes).
         */
        String rest(boolean stringsAreNames) {
            skipSpaces();
            int end = sql.length();
            while (end > position && (Character.isWhitespace(sql.charAt(end - 1)) || sql.charAt(end - 1) == ';')) {
                end--;
            }
            if (end <= position) {
                return null;
            }
            StringBuilder value = new StringBuilder();
            StringBuilder item = new StringBuilder();
            boolean itemIsString = false;
            char quote = 0;
            for (int i = position; i < end; i++) {
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
                    int after = sql.charAt(i) == '-' ? (lineEnd < 0 ? end : lineEnd) : afterBlockComment(i);
                    i = Math.min(after, end) - 1;
                    if (!item.isEmpty()) {
                        item.append(' ');
                    }
                } else if (c == '\'' && (item.toString().equals("E") || item.toString().equals("e"))) {
                    int after = escapeString(i + 1, end, item);
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
                    int after = dollarString(i, end, item);
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
        private int escapeString(int i, int end, StringBuilder item) {
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
        private int dollarString(int i, int end, StringBuilder item) {
            int tagEnd = sql.indexOf('$', i + 1);
            if (tagEnd < 0 || tagEnd >= end) {
                return -1;
            }
            String tag = sql.substring(i, tagEnd + 1);
            if (!tag.chars().skip(1).limit(tag.length() - 2L).allMatch(ch -> Character.isLetterOrDigit(ch) || ch == '_')) {
                return -1;
            }
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

        /** Skips white space and comments: {@code --} to the end of the line, and nested block comments. */
        private void skipSpaces() {
            while (position < sql.length()) {
                if (Character.isWhitespace(sql.charAt(position))) {
                    position++;
                } else if (sql.startsWith("--", position)) {
                    int lineEnd = sql.indexOf('\n', position);
                    position = lineEnd < 0 ? sql.length() : lineEnd + 1;
                } else if (sql.startsWith("/*", position)) {
                    position = afterBlockComment(position);
                } else {
                    break;
                }
            }
        }

        int afterBlockComment(int i) {
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

        static boolean isIdentifierChar(char c) {
            return Character.isLetterOrDigit(c) || c == '_' || c == '$';
        }
    }
}
