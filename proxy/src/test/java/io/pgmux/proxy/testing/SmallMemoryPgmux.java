package io.pgmux.proxy.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * pgmux from the jar, as a process of its own under {@code -Xmx128m -XX:MaxDirectMemorySize=64m},
 * for a whole test class (a JUnit 5 extension): what the large-message tests need to show that
 * pgmux passes hundreds of megabytes in bounded memory. Before it starts, a role and a table of
 * that role are made afresh.
 */
public final class SmallMemoryPgmux implements BeforeAllCallback, AfterAllCallback {
    public static final List<String> JVM = List.of("-Xmx128m", "-XX:MaxDirectMemorySize=64m", "-XX:+ExitOnOutOfMemoryError");

    private final String yaml;
    private final String user;
    private final String table;
    private final String columns;
    private Path dir;
    private PgmuxProcess process;
    private int port;

    private SmallMemoryPgmux(String yaml, String user, String table, String columns) {
        this.yaml = yaml;
        this.user = user;
        this.table = table;
        this.columns = columns;
    }

    /** pgmux with {@code yaml}; the role {@code user} may log in and owns all of {@code table (columns)}. */
    public static SmallMemoryPgmux withConfig(String yaml, String user, String table, String columns) {
        return new SmallMemoryPgmux(yaml, user, table, columns);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        TestPostgres.get().execute("DROP TABLE IF EXISTS " + table + "; DROP ROLE IF EXISTS " + user + "; CREATE ROLE " + user
                + " LOGIN; CREATE TABLE " + table + " (" + columns + "); GRANT ALL ON " + table + " TO " + user);
        dir = Files.createTempDirectory("pgmux-small-memory");
        process = PgmuxProcess.start(dir, JVM, yaml);
        port = process.awaitListeningPort();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (process != null) {
            process.stop();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            // a temp directory left behind
        }
    }

    public int port() {
        return port;
    }

    public Process process() {
        return process.process();
    }

    public List<String> lines() {
        return process.lines();
    }

    public String text() {
        return process.text();
    }
}
