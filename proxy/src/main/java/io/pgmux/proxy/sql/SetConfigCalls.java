package io.pgmux.proxy.sql;


import java.util.Set;

/**
 * Finds calls of {@code set_config(name, value, is_local)} that may change a setting for the
 * session, a change pgmux cannot follow (name and value may be computed), and Postgres's other
 * spelling of it, {@code UPDATE pg_settings SET setting = ...}. Errs on the side of yes.
 */
public final class SetConfigCalls {
    /** The spellings of a literal true as set_config's {@code is_local} (a transaction-local setting). */
    private static final Set<String> LOCAL_TRUE = Set.of("true", "'true'", "'t'", "'on'", "'yes'", "'1'", "true::boolean");

    private SetConfigCalls() {
    }

    /**
     * Whether the text may call set_config with {@code is_local} other than a literal true. Decoded
     * only when the word appears.
     */
    public static boolean maySetConfigForTheSession(QueryScan text) {
        if (text.end() < 0) {
            return false;
        }
        if (text.mentions(Mention.SET_CONFIG)) {
            return maySetConfigForTheSession(text.text());
        }
        // UPDATE pg_settings SET setting = ... is Postgres's other spelling of set_config
        return text.mentions(Mention.PG_SETTINGS) && text.mentions(Mention.UPDATE);
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
