package io.pgmux.proxy.sql;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgmux.protocol.Frames;
import io.pgmux.testkit.Bounded;
import io.pgmux.testkit.FuzzFrames;
import io.pgmux.testkit.Mutations;
import io.pgmux.testkit.NoNettyLeaks;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SQL pgmux reads in a client's Query (the command classifier, the multi-statement splitter,
 * the set_config and PREPARE detectors) takes any text: valid, mutated, random, made of the
 * characters that open and close quotes, dollar quotes and comments, or not UTF-8 at all. The
 * readers return within a time limit, and the splitter's statement starts are in order within the text.
 */
@AddLifecycleHook(NoNettyLeaks.class)
class SqlReaderFuzzTest {
    private static final int TRIES = 3_000;

    @Property(tries = TRIES)
    void queryTextIsReadWithoutFailing(@ForAll("sqlTexts") byte[] text) throws Exception {
        ByteBuf frame = queryFrame(text);
        int start = frame.readerIndex() + Frames.HEADER_SIZE;
        try {
            Bounded.run(FuzzFrames.TIME_LIMIT_MILLIS, () -> {
                QueryScan scan = QueryScan.of(frame, start);
                assertNotNull(SqlCommand.of(scan));
                MultiStatementQuery.hasLaterPrepare(scan, () -> false);
                MultiStatementQuery.statementsMentioningSet(scan, () -> false);
                MultiStatementQuery.statementsMentioningSet(scan, () -> true);
                MultiStatementQuery.hasBackslash(scan);
                SetConfigCalls.maySetConfigForTheSession(scan);
                NamedStatementSql.of(scan, () -> false);
                NamedStatementSql.mayBeAnsweredLocally(scan);
                SessionFeatures.inQuery(scan, () -> false);
            });
            assertEquals(1, frame.refCnt());
        } finally {
            frame.release();
        }
    }

    @Property(tries = TRIES)
    void statementsStartInOrderWithinTheText(@ForAll("sqlTexts") byte[] text) throws Exception {
        String sql = new String(text, StandardCharsets.UTF_8);
        for (boolean backslashEscapes : new boolean[] {false, true}) {
            List<Integer> starts = Bounded.call(FuzzFrames.TIME_LIMIT_MILLIS, () -> StatementSplitter.statementStarts(sql, backslashEscapes));
            assertEquals(0, starts.get(0));
            for (int i = 1; i < starts.size(); i++) {
                assertTrue(starts.get(i) > starts.get(i - 1) && starts.get(i) <= sql.length(), "starts " + starts);
                assertEquals(';', sql.charAt(starts.get(i) - 1), "a statement starts after a semicolon");
            }
        }
        Bounded.call(FuzzFrames.TIME_LIMIT_MILLIS, () -> SqlCommand.parse(sql));
        Bounded.call(FuzzFrames.TIME_LIMIT_MILLIS, () -> SetConfigCalls.maySetConfigForTheSession(sql));
        NamedStatementSql names = Bounded.call(FuzzFrames.TIME_LIMIT_MILLIS, () -> NamedStatementSql.read(sql, false));
        if (names != null) {
            for (NamedStatementSql.Statement statement : names.statements()) {
                assertTrue(0 <= statement.start() && statement.start() <= statement.end() && statement.end() <= sql.length());
                if (statement.nameStart() >= 0) {
                    assertTrue(statement.start() <= statement.nameStart() && statement.nameStart() < statement.nameEnd()
                            && statement.nameEnd() <= statement.end(), statement.toString());
                }
            }
        }
    }

    /** A Query frame of {@code text} with its NUL, which may also have NULs (and anything else) inside. */
    private static ByteBuf queryFrame(byte[] text) {
        ByteBuf frame = ByteBufAllocator.DEFAULT.buffer();
        frame.writeByte('Q').writeInt(4 + text.length + 1).writeBytes(text).writeByte(0);
        return frame;
    }

    @Provide
    Arbitrary<byte[]> sqlTexts() {
        Arbitrary<byte[]> tricky = Arbitraries.strings()
                .withChars("'\"$;-/*\\\n eEsStTpPrR_():=,.a1")
                .ofMaxLength(80)
                .map(s -> s.getBytes(StandardCharsets.UTF_8));
        Arbitrary<byte[]> mutated = Mutations.of(List.of(
                utf8("SET search_path TO a, \"B\"; SELECT 1"),
                utf8("/* c */ DEALLOCATE PREPARE \"s 1\""),
                utf8("PREPARE p AS SELECT 1; EXECUTE p; DEALLOCATE ALL"),
                utf8("SELECT set_config('a.b', $x$;'$x$, false); RESET ALL; DISCARD ALL"),
                utf8("SET LOCAL TimeZone = E'UTC\\''; -- x\nSET ROLE NONE; SET SESSION AUTHORIZATION DEFAULT"),
                utf8("UPDATE pg_settings SET setting = 'x' WHERE name = 'y'; SET application_name TO DEFAULT"),
                utf8("CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT CASE WHEN t.end THEN 1 END AS end; END; SET a TO b")));
        return Arbitraries.oneOf(tricky, mutated);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
