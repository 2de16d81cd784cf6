package io.pgmux.proxy.admin;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One admin console command, as PgBouncer reads them: a word and at most one argument, each either
 * a plain word ({@code [0-9A-Za-z_]+}) or a double-quoted name ({@code "my-db"}, {@code ""} for a
 * quote), and an optional semicolon: {@code SHOW POOLS;}, {@code PAUSE app}, {@code KILL_CLIENT 17}.
 * {@code SET key = value} takes a word or a single-quoted string as its value.
 *
 * @param verb     the command word, lower case ({@code show}, {@code pause}, {@code set})
 * @param argument the argument as written (unquoted), or null; for SET, the key
 * @param value    for SET, the value; null otherwise
 */
public record AdminCommand(String verb, String argument, String value) {
    private static final String WS0 = "[ \\t\\n\\r]*";
    private static final String WS1 = "[ \\t\\n\\r]+";
    // Runs of plain characters are taken whole (possessive), so matching needs stack in proportion to
    // the number of doubled quotes in a name, not to its length.
    private static final String WORD = "(\"(?:[^\"]++|\"\")++\"|[0-9A-Za-z_]++)";
    private static final String STRING = "('(?:[^']++|'')*+')";
    private static final String END = WS0 + "(?:;" + WS0 + ")?";
    private static final Pattern COMMAND = Pattern.compile("^" + WS0 + WORD + "(?:" + WS1 + WORD + ")?" + END + "$",
            Pattern.DOTALL);
    private static final Pattern SET = Pattern.compile("^" + WS0 + "(?i:set)" + WS1 + WORD + WS0 + "(?:=|(?i:to))"
            + WS0 + "(?:" + WORD + "|" + STRING + ")" + END + "$", Pattern.DOTALL);

    /** The command, or empty if the text is not one (the console answers with a syntax error). */
    public static Optional<AdminCommand> parse(String sql) {
        Matcher set = SET.matcher(sql);
        if (set.matches()) {
            String value = set.group(2) != null ? unquote(set.group(2), '"') : unquote(set.group(3), '\'');
            return Optional.of(new AdminCommand("set", unquote(set.group(1), '"'), value));
        }
        Matcher command = COMMAND.matcher(sql);
        if (!command.matches() || command.group(1).startsWith("\"")) {
            return Optional.empty();
        }
        String argument = command.group(2) == null ? null : unquote(command.group(2), '"');
        return Optional.of(new AdminCommand(command.group(1).toLowerCase(Locale.ROOT), argument, null));
    }

    /** The argument in lower case (for SHOW's subject and SHUTDOWN's mode), or "" when there is none. */
    public String subject() {
        return argument == null ? "" : argument.toLowerCase(Locale.ROOT);
    }

    private static String unquote(String word, char quote) {
        if (word.length() >= 2 && word.charAt(0) == quote && word.charAt(word.length() - 1) == quote) {
            String doubled = String.valueOf(quote) + quote;
            return word.substring(1, word.length() - 1).replace(doubled, String.valueOf(quote));
        }
        return word;
    }
}
