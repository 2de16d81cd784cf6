package io.pgmux.proxy.admin;

import io.pgmux.testkit.Bounded;
import io.pgmux.testkit.FuzzFrames;
import io.pgmux.testkit.Mutations;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The admin console's command reader takes any text, short or as long as a message may be: it
 * returns a command or nothing (the console then answers with a syntax error), never an exception.
 */
class AdminCommandFuzzTest {

    @Property(tries = 3_000)
    void anyTextIsACommandOrNot(@ForAll("commands") String sql) throws Exception {
        Bounded.call(FuzzFrames.TIME_LIMIT_MILLIS, () -> AdminCommand.parse(sql));
    }

    /**
     * Long arguments: a quoted name, a word, a string value, as long as a Query may be. The text is
     * built from the form and the length inside, so that a failure report shows those, not the text.
     */
    @Property(tries = 30)
    void longTextIsACommandOrNot(@ForAll @IntRange(max = 4) int form, @ForAll @IntRange(min = 1_000, max = 1_000_000) int length)
            throws Exception {
        String sql = switch (form) {
            case 0 -> "SHOW \"" + "a".repeat(length) + "\"";
            case 1 -> "SHOW " + "a".repeat(length);
            case 2 -> "SET x = '" + "b".repeat(length) + "'";
            case 3 -> "SET \"" + "c".repeat(length) + "\" = 1";
            default -> "PAUSE \"" + "\"\"".repeat(length / 2) + "\"";
        };
        Bounded.call(FuzzFrames.TIME_LIMIT_MILLIS, () -> AdminCommand.parse(sql));
    }

    @Provide
    Arbitrary<String> commands() {
        Arbitrary<String> tricky = Arbitraries.strings().withChars("\"'; \t=sShHoOwWeEtT_1").ofMaxLength(40);
        Arbitrary<String> mutated = Mutations.of(List.of(
                utf8("SHOW POOLS;"), utf8("PAUSE \"my\"\"db\""), utf8("SET query_wait_timeout = '5s'"),
                utf8("KILL_CLIENT 17"))).map(b -> new String(b, StandardCharsets.UTF_8));
        return Arbitraries.oneOf(tricky, mutated);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
