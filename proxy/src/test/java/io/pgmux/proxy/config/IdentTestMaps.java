package io.pgmux.proxy.config;

import java.nio.file.Path;
import java.util.List;

/** For tests outside this package: user name maps written in pg_ident.conf syntax. */
public final class IdentTestMaps {
    private IdentTestMaps() {
    }

    public static IdentMaps parse(String text, List<String> errors) {
        return new IdentMaps(List.of(), new IdentMaps.IdentFile("test-ident.conf",
                IdentFileParser.parse(text, Path.of("test-ident.conf"), errors)));
    }
}
