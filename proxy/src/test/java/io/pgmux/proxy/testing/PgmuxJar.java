package io.pgmux.proxy.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runnable jar that {@code mvn package} builds, for the tests that start pgmux as a process of its own. */
public final class PgmuxJar {
    private static final Path JAR = Path.of("target", "pgmux.jar");

    private PgmuxJar() {}

    /** The command that runs the jar with {@code jvmOptions} (on top of quick-start options) and {@code args}. */
    public static List<String> command(List<String> jvmOptions, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", path()));
        command.addAll(List.of(args));
        return command;
    }

    /** The jar's path; fails the test when it is missing. */
    public static String path() {
        assertTrue(Files.isRegularFile(JAR), JAR.toAbsolutePath() + " is missing: failsafe runs after package");
        return JAR.toString();
    }
}
