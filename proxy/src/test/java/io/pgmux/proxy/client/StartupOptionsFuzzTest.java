package io.pgmux.proxy.client;

import io.pgmux.testkit.Bounded;
import io.pgmux.testkit.FuzzFrames;
import io.pgmux.testkit.Mutations;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The {@code options} startup parameter takes any text: valid, mutated, random, or not UTF-8 at
 * all. It parses or is refused with IllegalArgumentException, within a time limit.
 */
class StartupOptionsFuzzTest {
    private static final int TRIES = 3_000;

    @Property(tries = TRIES)
    void startupOptionsParseOrAreRefused(@ForAll("optionTexts") byte[] text) throws Exception {
        String options = new String(text, StandardCharsets.UTF_8);
        try {
            Bounded.call(FuzzFrames.TIME_LIMIT_MILLIS, () -> StartupOptions.parse(options));
        } catch (IllegalArgumentException refused) {
            // documented
        }
    }

    @Provide
    Arbitrary<byte[]> optionTexts() {
        Arbitrary<byte[]> tricky = Arbitraries.strings().withChars("-c= \\ab_").ofMaxLength(40)
                .map(s -> s.getBytes(StandardCharsets.UTF_8));
        return Arbitraries.oneOf(tricky, Mutations.of(List.of(
                utf8("-c search_path=a\\ b --work-mem=4MB"),
                utf8("-cstatement_timeout=5s"))));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
