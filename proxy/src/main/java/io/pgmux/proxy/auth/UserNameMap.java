package io.pgmux.proxy.auth;

import io.pgmux.proxy.config.IdentMapEntry;
import io.pgmux.proxy.config.IdentMaps;

import java.util.regex.Matcher;

/**
 * Whether a system name (a client certificate's CN or DN, an OS user) may log in as a database user,
 * as Postgres's {@code check_usermap}: without a map, only as itself; with a map, when one of the
 * map's lines says so. A line's {@code /regex} is searched (not anchored, as POSIX regexec), and a
 * {@code \1} in its database name is replaced, once, by what the first group caught. Names compare
 * case-sensitively.
 */
public final class UserNameMap {
    private UserNameMap() {
    }

    /** True when {@code systemName} may log in as {@code user}: {@code map} null means the names must be equal. */
    public static boolean permits(IdentMaps maps, String map, String systemName, String user) {
        if (map == null) {
            return systemName.equals(user);
        }
        for (IdentMapEntry entry : maps.all()) {
            if (entry.map().equals(map) && lineMatches(entry, systemName, user)) {
                return true;
            }
        }
        return false;
    }

    static boolean lineMatches(IdentMapEntry entry, String systemName, String user) {
        String databaseName = entry.databaseName();
        if (entry.systemPattern() == null) {
            if (!entry.systemName().equals(systemName)) {
                return false;
            }
        } else {
            Matcher system = entry.systemPattern().matcher(systemName);
            if (!system.find()) {
                return false;
            }
            int backReference = databaseName.indexOf("\\1");
            if (entry.userPattern() == null && backReference >= 0) {
                String caught = system.groupCount() >= 1 && system.group(1) != null ? system.group(1) : "";
                databaseName = databaseName.substring(0, backReference) + caught + databaseName.substring(backReference + 2);
            }
        }
        if (entry.anyUser()) {
            return true;
        }
        if (entry.userPattern() != null) {
            return entry.userPattern().matcher(user).find();
        }
        return databaseName.equals(user);
    }
}
