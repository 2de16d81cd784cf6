package io.pgmux.proxy.sql;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A Query read chunk by chunk decides what the same text read whole decides. */
class StreamedQueryTextTest {
    private static final String BIG = "x".repeat(5000);

    /** Statements and pieces that pgmux reads, and literals and comments long enough to be cut. */
    private static final List<String> PIECES = List.of(
            "SELECT 1", "SELECT 'a;b'", "SELECT E'it\\'s; \\\\'", "SELECT 'it''s'", "SET search_path TO a, b", "SET x.y = 'v'",
            "RESET ALL", "RESET search_path", "LISTEN ch", "UNLISTEN *", "SELECT pg_advisory_lock(1)",
            "SELECT pg_advisory_unlock(1)", "DO $$ BEGIN PERFORM pg_advisory_lock(2); END $$", "CREATE TEMP TABLE t(a int)",
            "SELECT 1 INTO TEMP t2", "DROP TABLE t", "DECLARE c CURSOR WITH HOLD FOR SELECT 1", "CLOSE c", "DISCARD ALL",
            "PREPARE p AS SELECT 1", "DEALLOCATE p", "SELECT set_config('a', 'b', true)", "SELECT set_config('a', 'b', false)",
            "UPDATE pg_settings SET setting = 1", "SELECT \"quoted ; name\"", "SELECT $t$ ; ' $t$", "-- c ; 'x\n SELECT 2",
            "/* a /* nested ; */ ' */ SELECT 3", "SELECT 'é€ ; set'", "SELECT $1", "SELECT a$b", "CREATE FUNCTION f() BEGIN ATOMIC SELECT 1; END",
            "", " ");

    @Provide
    Arbitrary<String> queries() {
        Arbitrary<String> longText = Arbitraries.strings()
                .withChars("abcdeE;'\\$-*/\"\n é€setupdatg_confiadvisorytemp")
                .ofMinLength(60).ofMaxLength(400);
        Arbitrary<String> literal = Combinators.combine(Arbitraries.of("'", "E'", "$q$", "-- ", "/* ", "\""), longText)
                .as((open, text) -> switch (open) {
                    case "'" -> "SELECT '" + text.replace("\\", "").replace("'", "''") + "'";
                    case "E'" -> "SELECT E'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
                    case "$q$" -> "SELECT $q$" + text.replace("$", "") + "$q$";
                    case "-- " -> "-- " + text.replace("\n", "") + "\nSELECT 4";
                    case "/* " -> "/* " + text.replace("*", "").replace("/", "") + " */ SELECT 5";
                    default -> "SELECT \"" + text.replace("\"", "\"\"") + "\"";
                });
        Arbitrary<String> setWithLong = longText.map(text -> "SET app.v = '" + text.replace("\\", "").replace("'", "''") + "'");
        Arbitrary<String> statement = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.of(PIECES)), net.jqwik.api.Tuple.of(3, literal),
                net.jqwik.api.Tuple.of(1, setWithLong), net.jqwik.api.Tuple.of(1, longText));
        return statement.list().ofMinSize(1).ofMaxSize(6).map(parts -> String.join(";", parts));
    }

    @Property(tries = 3000)
    void aStreamedQueryDecidesWhatTheWholeOneDoes(@ForAll("queries") String sql, @ForAll boolean backslashEscapes,
            @ForAll("splits") List<Integer> splits) {
        byte[] text = (sql + "\0").getBytes(StandardCharsets.UTF_8);
        ByteBuf whole = Unpooled.wrappedBuffer(text);
        QueryFacts expected = QueryFacts.of(whole, 0, backslashEscapes);
        try (StreamedQueryText streamed = read(text, splits, backslashEscapes, 1 << 20)) {
            assertTrue(streamed.ended());
            String untrackable = streamed.untrackable();
            if (untrackable != null) {
                // only where the whole text has a statement pgmux follows (with a literal that was cut)
                assertTrue(hasFollowedStatement(sql, backslashEscapes), untrackable + ": " + sql);
                return;
            }
            QueryFacts actual = streamed.finish();
            if (streamed.cut() && !expected.maySetConfig() && actual.maySetConfig()) {
                // a cut text that mentions set_config is taken to set the session (errs on yes, as SetConfigCalls does)
                actual = new QueryFacts(actual.command(), actual.laterPrepare(), actual.features(), actual.setStatements(),
                        actual.hasBackslash(), false, actual.usesStatementNames());
            }
            assertEquals(expected, actual, () -> sql + "\nstand-in: " + streamed.standInText());
        }
    }

    @Provide
    Arbitrary<List<Integer>> splits() {
        return Arbitraries.integers().between(1, 300).list().ofMaxSize(20);
    }

    @Test
    void aSetAfterAHugeLiteralIsStillRead() {
        String sql = "SELECT length('" + BIG + "'); SET search_path TO b";
        try (StreamedQueryText streamed = read((sql + "\0").getBytes(StandardCharsets.UTF_8), List.of(7, 1000, 3), false, 4096)) {
            assertNull(streamed.untrackable());
            QueryFacts facts = streamed.finish();
            assertEquals(2, facts.setStatements().size());
            assertEquals(SqlCommand.Kind.SET, facts.setStatements().get(1).kind());
            assertTrue(streamed.standInText().length() < 200, streamed.standInText());
        }
    }

    @Test
    void aSetWhoseValueIsCutCannotBeFollowed() {
        String sql = "SELECT 1; SET app.v = '" + BIG + "'";
        try (StreamedQueryText streamed = read((sql + "\0").getBytes(StandardCharsets.UTF_8), List.of(100), false, 4096)) {
            assertNotNull(streamed.untrackable());
        }
    }

    @Test
    void aListenAfterAHugeLiteralIsSeen() {
        String sql = "INSERT INTO t VALUES ('" + BIG + "'); LISTEN ch";
        try (StreamedQueryText streamed = read((sql + "\0").getBytes(StandardCharsets.UTF_8), List.of(2048), false, 4096)) {
            assertEquals(List.of(FeatureUse.take(SessionFeature.LISTEN, "ch")), streamed.finish().features());
        }
    }

    @Test
    void textOutsideLiteralsOverTheLimitCannotBeFollowed() {
        String sql = "SELECT 1" + ", 1".repeat(3000);
        try (StreamedQueryText streamed = read((sql + "\0").getBytes(StandardCharsets.UTF_8), List.of(), false, 4096)) {
            assertNotNull(streamed.untrackable());
        }
    }

    private static boolean hasFollowedStatement(String sql, boolean backslashEscapes) {
        List<Integer> starts = StatementSplitter.statementStarts(sql, backslashEscapes);
        for (int i = 0; i < starts.size(); i++) {
            String statement = sql.substring(starts.get(i), i + 1 < starts.size() ? starts.get(i + 1) - 1 : sql.length());
            if (CommandReader.read(statement).kind() != SqlCommand.Kind.OTHER) {
                return true;
            }
        }
        return false;
    }

    /** Feeds {@code text} in chunks of the given sizes (cycled; the rest in one). */
    private static StreamedQueryText read(byte[] text, List<Integer> splits, boolean backslashEscapes, int limit) {
        StreamedQueryText streamed = new StreamedQueryText(limit, backslashEscapes);
        int at = 0;
        int i = 0;
        while (at < text.length) {
            int size = splits.isEmpty() ? text.length - at : Math.min(splits.get(i++ % splits.size()), text.length - at);
            streamed.read(Unpooled.wrappedBuffer(text, at, size));
            at += size;
        }
        return streamed;
    }
}
