package io.pgmux.proxy.sql;

import io.pgmux.proxy.sql.SqlTokens.Kind;
import io.pgmux.proxy.sql.SqlTokens.Token;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Which {@link SessionFeature}s a query takes and gives back, statement by statement in the order
 * the server runs them:
 * <ul>
 *   <li>{@code LISTEN ch} takes; {@code UNLISTEN ch} gives back, {@code UNLISTEN *} all;</li>
 *   <li>{@code pg_advisory_lock}, {@code pg_try_advisory_lock} and their {@code _shared} forms take a
 *       lock wherever they are called (not in strings, quoted names or comments; in a dollar-quoted
 *       body, which may be a DO block, too); {@code pg_advisory_unlock[_shared]} gives one back
 *       (outside dollar-quoted bodies only: a function may never run), {@code pg_advisory_unlock_all}
 *       all; the {@code _xact_} ones end with their transaction and are nothing;</li>
 *   <li>{@code CREATE [OR REPLACE] [GLOBAL|LOCAL] TEMP|TEMPORARY [UNLOGGED|RECURSIVE] TABLE|VIEW|SEQUENCE
 *       name} (also {@code ... AS}, and a name in schema {@code pg_temp}) takes, unless the table is
 *       {@code ON COMMIT DROP}; {@code SELECT ... INTO TEMP[ORARY] [TABLE] name} takes;
 *       {@code DROP TABLE|VIEW|SEQUENCE names} gives each back (a name in a schema other than
 *       {@code pg_temp} is not a temp object);</li>
 *   <li>{@code DECLARE name ... WITH HOLD} takes; {@code CLOSE name} gives back, {@code CLOSE ALL} all;</li>
 *   <li>{@code LOAD} takes (for the session); {@code DISCARD TEMP} gives back the temp objects,
 *       {@code DISCARD ALL} everything.</li>
 * </ul>
 * What runs inside a function is not seen (a function that takes an advisory lock, or creates a
 * temp table, pins nothing).
 *
 * <p>The bytes of a query are checked first ({@link QueryScan}) and decoded only when its first word
 * is one of these commands, or it mentions "advisory", or it is a SELECT that mentions "temp", or a
 * query of several statements that mentions one of the commands ("temp" for the CREATEs):
 * an ordinary query costs the one pass and no allocation.
 */
public final class SessionFeatures {
    private static final byte[][] COMMANDS = {
        QueryBytes.ascii("listen"), QueryBytes.ascii("unlisten"), QueryBytes.ascii("load"), QueryBytes.ascii("create"),
        QueryBytes.ascii("drop"), QueryBytes.ascii("declare"), QueryBytes.ascii("close"), QueryBytes.ascii("discard")};
    private static final byte[] SELECT = QueryBytes.ascii("select");
    private static final byte[] WITH = QueryBytes.ascii("with");
    /** A later statement of a query may be any of the commands: CREATE TEMP and SELECT INTO TEMP mention "temp". */
    private static final Mention[] LATER_MENTIONS = {
        Mention.LISTEN, Mention.LOAD, Mention.TEMP, Mention.DROP, Mention.DECLARE, Mention.CLOSE, Mention.DISCARD};
    private static final Set<String> LOCKS = Set.of("pg_advisory_lock", "pg_advisory_lock_shared",
            "pg_try_advisory_lock", "pg_try_advisory_lock_shared");
    private static final Set<String> UNLOCKS = Set.of("pg_advisory_unlock", "pg_advisory_unlock_shared");
    private static final String UNLOCK_ALL = "pg_advisory_unlock_all";
    private static final Set<String> TEMP_KINDS = Set.of("table", "view", "sequence");

    private SessionFeatures() {
    }

    /**
     * What the query text does to session features; empty (the same immutable list) for most queries.
     *
     * @param backslashEscapes whether {@code \} escapes in plain '...' strings: asked only for a text that is decoded
     */
    public static List<FeatureUse> inQuery(QueryScan text, BooleanSupplier backslashEscapes) {
        if (text.end() < 0 || !mayUseFeatures(text)) {
            return List.of();
        }
        return inText(text.text(), backslashEscapes.getAsBoolean());
    }

    private static boolean mayUseFeatures(QueryScan text) {
        if (text.word() >= text.end()) {
            return false;
        }
        if (text.startsWithComment()) {
            return true; // a comment first: read the text to see past it
        }
        int first = text.first();
        if (first == 'l' || first == 'u' || first == 'c' || first == 'd') {
            for (byte[] command : COMMANDS) {
                if (text.firstWordIs(command)) {
                    return true;
                }
            }
        }
        if (text.mentions(Mention.ADVISORY)) {
            return true;
        }
        boolean select = text.firstWordIs(SELECT) || text.firstWordIs(WITH);
        if (select && text.mentions(Mention.TEMP)) {
            return true;
        }
        if (!text.textAfterSemicolon()) {
            return false;
        }
        for (Mention mention : LATER_MENTIONS) {
            if (text.mentions(mention)) {
                return true;
            }
        }
        return false;
    }

    /** What the decoded query {@code sql} (one statement or several) does to session features. */
    public static List<FeatureUse> inText(String sql, boolean backslashEscapes) {
        List<FeatureUse> uses = new ArrayList<>(2);
        List<Integer> starts = StatementSplitter.statementStarts(sql, backslashEscapes);
        for (int i = 0; i < starts.size(); i++) {
            String statement = sql.substring(starts.get(i), i + 1 < starts.size() ? starts.get(i + 1) - 1 : sql.length());
            List<Token> tokens = SqlTokens.of(statement, backslashEscapes);
            advisoryCalls(tokens, backslashEscapes, false, uses);
            command(tokens, uses);
        }
        return uses.isEmpty() ? List.of() : uses;
    }

    private static void advisoryCalls(List<Token> tokens, boolean backslashEscapes, boolean inBody, List<FeatureUse> uses) {
        for (Token token : tokens) {
            if (token.kind() == Kind.DOLLAR_STRING) {
                advisoryCalls(SqlTokens.of(token.text(), backslashEscapes), backslashEscapes, true, uses);
            } else if (token.kind() == Kind.WORD) {
                if (LOCKS.contains(token.text())) {
                    uses.add(FeatureUse.take(SessionFeature.ADVISORY_LOCK, null));
                } else if (!inBody && UNLOCKS.contains(token.text())) {
                    uses.add(FeatureUse.giveBack(SessionFeature.ADVISORY_LOCK, null));
                } else if (!inBody && token.text().equals(UNLOCK_ALL)) {
                    uses.add(FeatureUse.giveBackAll(SessionFeature.ADVISORY_LOCK));
                }
            }
        }
    }

    private static void command(List<Token> tokens, List<FeatureUse> uses) {
        if (tokens.isEmpty() || tokens.get(0).kind() != Kind.WORD) {
            return;
        }
        Cursor at = new Cursor(tokens);
        switch (at.next().text()) {
            case "listen" -> {
                String channel = at.name();
                if (channel != null) {
                    uses.add(FeatureUse.take(SessionFeature.LISTEN, channel));
                }
            }
            case "unlisten" -> {
                if (at.skipSymbol('*')) {
                    uses.add(FeatureUse.giveBackAll(SessionFeature.LISTEN));
                } else {
                    String channel = at.name();
                    if (channel != null) {
                        uses.add(FeatureUse.giveBack(SessionFeature.LISTEN, channel));
                    }
                }
            }
            case "load" -> uses.add(FeatureUse.take(SessionFeature.LOAD, null));
            case "create" -> createTemp(at, uses);
            case "select", "with" -> selectIntoTemp(at, uses);
            case "drop" -> {
                if (at.peekIsWord(TEMP_KINDS)) {
                    at.next();
                    at.skipWords("if", "exists");
                    do {
                        List<String> name = at.qualifiedName();
                        // public.t is not the temp t, even when a temp t exists
                        boolean maybeTemp = name.size() == 1 || name.size() == 2 && name.get(0).equals("pg_temp");
                        if (maybeTemp) {
                            uses.add(FeatureUse.giveBack(SessionFeature.TEMP_OBJECT, name.get(name.size() - 1)));
                        }
                    } while (at.skipSymbol(','));
                }
            }
            case "declare" -> {
                String cursor = at.name();
                if (cursor != null && at.hasWordsBefore("for", "with", "hold")) {
                    uses.add(FeatureUse.take(SessionFeature.HOLD_CURSOR, cursor));
                }
            }
            case "close" -> {
                if (at.peekIsWord(Set.of("all"))) {
                    uses.add(FeatureUse.giveBackAll(SessionFeature.HOLD_CURSOR));
                } else {
                    String cursor = at.name();
                    if (cursor != null) {
                        uses.add(FeatureUse.giveBack(SessionFeature.HOLD_CURSOR, cursor));
                    }
                }
            }
            case "discard" -> {
                if (at.peekIsWord(Set.of("all"))) {
                    uses.add(FeatureUse.DISCARD_ALL);
                } else if (at.peekIsWord(Set.of("temp", "temporary"))) {
                    uses.add(FeatureUse.giveBackAll(SessionFeature.TEMP_OBJECT));
                }
            }
            default -> {
            }
        }
    }

    /** After CREATE: a temporary table, view or sequence, or one created in schema pg_temp. */
    private static void createTemp(Cursor at, List<FeatureUse> uses) {
        at.skipWords("or", "replace");
        at.skipWords("global");
        at.skipWords("local");
        boolean temp = at.peekIsWord(Set.of("temp", "temporary"));
        if (temp) {
            at.next();
        }
        at.skipWords("unlogged");
        at.skipWords("recursive");
        if (!at.peekIsWord(TEMP_KINDS)) {
            return;
        }
        boolean table = at.next().text().equals("table");
        at.skipWords("if", "not", "exists");
        List<String> name = at.qualifiedName();
        if (name.isEmpty()) {
            return;
        }
        temp |= name.size() > 1 && name.get(name.size() - 2).equals("pg_temp");
        if (temp && !(table && at.hasWords("on", "commit", "drop"))) {
            uses.add(FeatureUse.take(SessionFeature.TEMP_OBJECT, name.get(name.size() - 1)));
        }
    }

    /** {@code SELECT ... INTO TEMP[ORARY] [TABLE] name}. */
    private static void selectIntoTemp(Cursor at, List<FeatureUse> uses) {
        while (at.hasNext()) {
            if (at.next().isWord("into") && at.peekIsWord(Set.of("temp", "temporary"))) {
                at.next();
                at.skipWords("table");
                String name = at.lastPartOfName();
                if (name != null) {
                    uses.add(FeatureUse.take(SessionFeature.TEMP_OBJECT, name));
                }
                return;
            }
        }
    }

    /** Reads tokens from the front. */
    private static final class Cursor {
        private final List<Token> tokens;
        private int position;

        Cursor(List<Token> tokens) {
            this.tokens = tokens;
        }

        boolean hasNext() {
            return position < tokens.size();
        }

        Token next() {
            return tokens.get(position++);
        }

        boolean peekIsWord(Set<String> words) {
            return hasNext() && tokens.get(position).kind() == Kind.WORD && words.contains(tokens.get(position).text());
        }

        boolean skipSymbol(char c) {
            if (hasNext() && tokens.get(position).isSymbol(c)) {
                position++;
                return true;
            }
            return false;
        }

        /** Skips {@code words} when they come next, all of them in this order. */
        void skipWords(String... words) {
            for (int i = 0; i < words.length; i++) {
                if (position + i >= tokens.size() || !tokens.get(position + i).isWord(words[i])) {
                    return;
                }
            }
            position += words.length;
        }

        String name() {
            return hasNext() && tokens.get(position).isName() ? next().text() : null;
        }

        /** {@code a.b.c} as its parts; empty when no name comes next. */
        List<String> qualifiedName() {
            List<String> parts = new ArrayList<>(2);
            String part = name();
            while (part != null) {
                parts.add(part);
                part = skipSymbol('.') ? name() : null;
            }
            return parts;
        }

        String lastPartOfName() {
            List<String> parts = qualifiedName();
            return parts.isEmpty() ? null : parts.get(parts.size() - 1);
        }

        /** Whether {@code words} come in this order somewhere after the position. */
        boolean hasWords(String... words) {
            return hasWordsBefore(null, words);
        }

        /** Whether {@code words} come in this order after the position, before the word {@code stop} (null: anywhere). */
        boolean hasWordsBefore(String stop, String... words) {
            for (int start = position; start + words.length <= tokens.size(); start++) {
                if (stop != null && tokens.get(start).isWord(stop)) {
                    return false;
                }
                int i = 0;
                while (i < words.length && tokens.get(start + i).isWord(words[i])) {
                    i++;
                }
                if (i == words.length) {
                    return true;
                }
            }
            return false;
        }
    }
}
