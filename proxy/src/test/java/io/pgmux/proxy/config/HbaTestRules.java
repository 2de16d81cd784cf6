package io.pgmux.proxy.config;

import java.nio.file.Path;
import java.util.List;

/** For tests outside this package: rules written in pg_hba.conf syntax. */
public final class HbaTestRules {
    private HbaTestRules() {
    }

    public static List<HbaRule> parse(String text, List<String> errors) {
        return HbaFileParser.parse(text, Path.of("test-hba.conf"), errors);
    }
}
