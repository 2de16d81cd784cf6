package io.pgmux.proxy.convert;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PgBouncer's {@code auth_file} (userlist.txt): one {@code "user" "password"} a line, a doubled
 * {@code ""} inside quotes standing for one quote; the password is plain text, {@code md5...} or
 * {@code SCRAM-SHA-256$...}. Other lines are ignored, as PgBouncer ignores them.
 */
final class AuthFile {
    private AuthFile() {
    }

    static Map<String, String> parse(String text) {
        Map<String, String> users = new LinkedHashMap<>();
        for (String line : text.split("\r?\n")) {
            int[] at = {0};
            String user = quoted(line, at);
            String password = user != null ? quoted(line, at) : null;
            if (user != null && password != null) {
                users.put(user, password);
            }
        }
        return users;
    }

    /** The next quoted string from {@code at[0]}, or null. */
    private static String quoted(String line, int[] at) {
        int i = line.indexOf('"', at[0]);
        if (i < 0) {
            return null;
        }
        StringBuilder value = new StringBuilder();
        i++;
        while (i < line.length()) {
            char c = line.charAt(i);
            if (c == '"') {
                if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    value.append('"');
                    i += 2;
                    continue;
                }
                at[0] = i + 1;
                return value.toString();
            }
            value.append(c);
            i++;
        }
        return null;
    }
}
