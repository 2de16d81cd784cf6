package io.pgmux.proxy.config;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One line of a user name map, as in Postgres's pg_ident.conf: {@code MAPNAME SYSTEM-USERNAME
 * DATABASE-USERNAME}. The system name (a certificate's CN or DN, an OS user) is matched exactly, or,
 * written {@code /regex}, searched with the regular expression, whose first group replaces a
 * {@code \1} in the database name. The database name is a user name, {@code all}, or {@code /regex}
 * searched in the user the client asks for.
 *
 * @param source       where it was written: {@code ident_maps[0]}, {@code /etc/pgmux/pg_ident.conf:3}
 * @param systemPattern the system name's regular expression, or null for an exact name
 * @param userPattern  the database name's regular expression, or null
 * @param anyUser      the database name is the keyword {@code all}
 */
public record IdentMapEntry(String source, String map, String systemName, Pattern systemPattern, String databaseName,
                            Pattern userPattern, boolean anyUser) {

    public IdentMapEntry {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(map, "map");
        Objects.requireNonNull(systemName, "systemName");
        Objects.requireNonNull(databaseName, "databaseName");
    }

    /**
     * The entry for three fields as written; {@code quotedUser} is true when the database name was in
     * double quotes (then it is never a keyword nor a pattern).
     *
     * @throws IllegalArgumentException naming what is wrong: a bad regular expression, a {@code \1}
     *                                  with no group to take it from, a {@code +group}
     */
    static IdentMapEntry of(String source, String map, String systemName, boolean quotedSystem, String databaseName,
                            boolean quotedUser) {
        Pattern systemPattern = !quotedSystem && systemName.startsWith("/") ? compile(systemName.substring(1)) : null;
        Pattern userPattern = !quotedUser && databaseName.startsWith("/") ? compile(databaseName.substring(1)) : null;
        if (!quotedUser && databaseName.startsWith("+")) {
            throw new IllegalArgumentException("group names (" + databaseName + ") are not supported in a user name map");
        }
        if (databaseName.contains("\\1") && userPattern == null) {
            if (systemPattern == null) {
                throw new IllegalArgumentException("\\1 in " + YamlSection.quote(databaseName)
                        + " needs a regular expression (/...) as the system user name");
            }
            if (systemPattern.matcher("").groupCount() < 1) {
                throw new IllegalArgumentException("regular expression " + YamlSection.quote(systemName)
                        + " has no subexpressions as requested by backreference in " + YamlSection.quote(databaseName));
            }
        }
        return new IdentMapEntry(source, map, systemName, systemPattern, databaseName, userPattern,
                !quotedUser && databaseName.equals("all"));
    }

    /** Equal when written alike (a Pattern has no equality of its own). */
    @Override
    public boolean equals(Object other) {
        return other instanceof IdentMapEntry that && source.equals(that.source) && map.equals(that.map)
                && systemName.equals(that.systemName) && (systemPattern == null) == (that.systemPattern == null)
                && databaseName.equals(that.databaseName) && (userPattern == null) == (that.userPattern == null)
                && anyUser == that.anyUser;
    }

    @Override
    public int hashCode() {
        return Objects.hash(source, map, systemName, databaseName, anyUser);
    }

    private static Pattern compile(String regex) {
        try {
            return Pattern.compile(regex);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new IllegalArgumentException("invalid regular expression " + YamlSection.quote(regex) + ": "
                    + e.getDescription());
        }
    }
}
