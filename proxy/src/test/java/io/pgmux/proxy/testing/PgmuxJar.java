package io.pgmux.proxy.testing;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runnable jar that {@code mvn package} builds, for the tests that start pgmux as a process of its own. */
public final class PgmuxJar {
    private static final Path JAR = Path.of("target", "pgmux.jar");

    private PgmuxJar() {}

    /** The jar's path; fails the test when it is missing. */
    public static String path() {
        assertTrue(Files.isRegularFile(JAR), JAR.toAbsolutePath() + " is missing: failsafe runs after package");
        return JAR.toString();
    }
}
