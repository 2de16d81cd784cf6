package io.pgmux.proxy.sql;

import io.netty.buffer.ByteBuf;

import java.util.Set;

/**
 * Finds calls of {@code set_config(name, value, is_local)} that may change a setting for the
 * session, a change pgmux cannot follow (name and value may be computed), and Postgres's other
 * spelling of it, {@code UPDATE pg_settings SET setting = ...}. Errs on the side of yes.
 */
public final class SetConfigCalls {
    private static final byte[] SET_CONFIG = QueryBytes.ascii("set_config");
    private static final byte[] PG_SETTINGS = QueryBytes.ascii("pg_settings");
    private static final byte[] UPDATE = QueryBytes.ascii("update");
    /** The spellings of a literal true as set_config's {@code is_local} (a transaction-local setting). */
    private static final Set<String> LOCAL_TRUE = Set.of("true", "'true'", "'t'", "'on'", "'yes'", "'1'", "true::boolean");

    private SetConfigCalls() {
    }

    /**
     * Whether the null-terminated text at {@code start} may call set_config with {@code is_local}
     * other than a literal true. Decoded only when the word appears.
     */
    public static boolean maySetConfigForTheSession(ByteBuf buf, int start) {
        int end = QueryBytes.textEnd(buf, start);
        if (end < 0) {
            return false;
        }
        // Both words have an underscore: most texts have none, and are read once, fast.
        boolean setConfig = false;
        boolean pgSettings = false;
        for (int underscore = buf.indexOf(start, end, (byte) '_'); underscore >= 0 && !setConfig;
                underscore = buf.indexOf(underscore + 1, end, (byte) '_')) {
            setConfig = QueryBytes.matchesIgnoringCase(buf, underscore - 3, start, end, SET_CONFIG);
            pgSettings |= QueryBytes.matchesIgnoringCase(buf, underscore - 2, start, end, PG_SETTINGS);
        }
        if (setConfig) {
            return maySetConfigForTheSession(QueryBytes.decode(buf, start, end));
        }
        // UPDATE pg_settings SET setting = ... is Postgres's other spelling of set_config
        return pgSettings && QueryBytes.containsIgnoringCase(buf, start, end, UPDATE);
    }

    /** Whether the decoded text may call set_config with {@code is_local} other than a literal true. */
    public static boolean maySetConfigForTheSession(String sql) {
        String lower = SqlText.asciiLowerCase(sql);
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
                    i = SqlText.afterQuoted(sql, i + 1, c, false);
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
}
