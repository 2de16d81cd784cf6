package io.pgmux.proxy.sql;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one pass over a query's bytes finds what the readers used to find with a scan each: every
 * mention wherever it is (across the 8-byte window too), text after a semicolon, a backslash, and
 * the NUL that ends the text; nothing after the NUL counts.
 */
class QueryScanTest {

    @Test
    void findsMentionsInEitherCaseAnywhere() {
        QueryScan scan = scan("SELECT pg_try_ADVISORY_lock(1) FROM t");
        assertTrue(scan.mentions(Mention.ADVISORY));
        assertFalse(scan.mentions(Mention.TEMP));
        assertFalse(scan.textAfterSemicolon());
        scan = scan("select 1; UPDATE PG_SETTINGS set setting = 'x'");
        assertTrue(scan.mentions(Mention.PG_SETTINGS), "11 bytes: across both halves of the window");
        assertTrue(scan.mentions(Mention.UPDATE));
        assertTrue(scan.mentions(Mention.SET));
        assertTrue(scan.textAfterSemicolon());
        assertFalse(scan.mentions(Mention.SET_CONFIG));
    }

    @Test
    void aWordCutShortOrBrokenIsNoMention() {
        assertFalse(scan("SELECT set_confi").mentions(Mention.SET_CONFIG));
        assertFalse(scan("SELECT pg_setting s").mentions(Mention.PG_SETTINGS));
        assertFalse(scan("deal locate").mentions(Mention.DEALLOCATE));
        assertFalse(scan("SELECT settings, allocate, _config").mentions(Mention.PG_SETTINGS), "the last 8 bytes are not enough");
        assertFalse(scan("SELECT settings, allocate, _config").mentions(Mention.DEALLOCATE));
        assertFalse(scan("SELECT settings, allocate, t_config").mentions(Mention.SET_CONFIG));
        assertTrue(scan("xxdeallocatexx").mentions(Mention.DEALLOCATE), "a mention is any occurrence, as before");
    }

    @Test
    void nothingAfterTheNulCounts() {
        ByteBuf buf = Unpooled.copiedBuffer("SELECT 1\0; SET advisory \\", StandardCharsets.UTF_8);
        QueryScan scan = QueryScan.of(buf, 0);
        assertEquals(8, scan.end());
        assertFalse(scan.mentions(Mention.SET));
        assertFalse(scan.mentions(Mention.ADVISORY));
        assertFalse(scan.textAfterSemicolon());
        assertFalse(scan.hasBackslash());
        assertEquals("SELECT 1", scan.text());
    }

    @Test
    void aTextWithoutItsNulHasNoEnd() {
        assertEquals(-1, QueryScan.of(Unpooled.copiedBuffer("SELECT 1", StandardCharsets.UTF_8), 0).end());
    }

    @Test
    void aReusedScanForgetsTheLastText() {
        QueryScan scan = scan("LISTEN a; SELECT '\\'");
        assertTrue(scan.mentions(Mention.LISTEN) && scan.textAfterSemicolon() && scan.hasBackslash());
        ByteBuf next = terminated("  select 1");
        scan.at(next, 0);
        assertFalse(scan.mentions(Mention.LISTEN) || scan.textAfterSemicolon() || scan.hasBackslash());
        assertEquals(2, scan.word());
        assertEquals("select 1", scan.textFromFirstWord());
    }

    @Property(tries = 3000)
    void findsWhatAScanPerQuestionFinds(@ForAll("texts") String text) {
        QueryScan scan = scan(text);
        String lower = asciiLowerCase(text);
        for (Mention mention : Mention.values()) {
            assertEquals(lower.contains(new String(mention.word, StandardCharsets.US_ASCII)), scan.mentions(mention),
                    mention + " in " + text);
        }
        int semicolon = text.indexOf(';');
        boolean after = semicolon >= 0 && !text.substring(semicolon).replaceAll("[ \t\n\r\f;]", "").isEmpty();
        assertEquals(after, scan.textAfterSemicolon(), text);
        assertEquals(text.indexOf('\\') >= 0, scan.hasBackslash(), text);
        assertEquals(text.getBytes(StandardCharsets.UTF_8).length, scan.end());
    }

    @Provide
    Arbitrary<String> texts() {
        Arbitrary<String> words = Arbitraries.of(Mention.values()).map(m -> new String(m.word, StandardCharsets.US_ASCII));
        Arbitrary<String> suffixes = words.flatMap(w -> Arbitraries.integers().between(1, w.length() - 1).map(w::substring));
        Arbitrary<String> prefixes = words.flatMap(w -> Arbitraries.integers().between(1, w.length() - 1).map(i -> w.substring(0, i)));
        Arbitrary<String> bits = Arbitraries.strings().withChars("aAdDeEsStT_;\\ \n\té$pglncoru").ofMaxLength(6);
        return Arbitraries.oneOf(words, words.map(String::toUpperCase), suffixes, prefixes, bits).list().ofMaxSize(8)
                .map(parts -> String.join("", parts));
    }

    private static String asciiLowerCase(String text) {
        StringBuilder lower = new StringBuilder(text.length());
        text.chars().forEach(c -> lower.append((char) (c >= 'A' && c <= 'Z' ? c | 0x20 : c)));
        return lower.toString();
    }

    private static QueryScan scan(String text) {
        return QueryScan.of(terminated(text), 0);
    }

    private static ByteBuf terminated(String text) {
        return Unpooled.copiedBuffer(text + "\0", StandardCharsets.UTF_8);
    }
}
