package io.pgmux.proxy.it;

import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.PgmuxJar;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The jar as a supervisor runs it: an OutOfMemoryError must end the process (so that it is
 * restarted) rather than leave it half-working, which takes {@code -XX:+ExitOnOutOfMemoryError} on
 * the java command line. pgmux warns at start when the option is missing.
 *
 * <p>Not tested here: a heap OutOfMemoryError in the child, which a client cannot provoke without a
 * test-only hook; it ends a JVM started with the option (status 3). What a client can provoke (a
 * message near max_message_size against little memory) is a shortage of <em>direct</em> memory,
 * which the JDK reports from Java code and the option does not cover: that costs the client its
 * connection (FATAL 53200) and nothing else.
 */
class OutOfMemoryIT {
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)\\s*$");
    private static final String OPTION = "-XX:+ExitOnOutOfMemoryError";

    /** Only the role: each test starts pgmux from the jar, as a process of its own. */
    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().role("oom_user");

    @TempDir
    Path dir;

    @Test
    void startedWithoutTheOptionPgmuxWarnsOnceNamingIt() throws Exception {
        Child pgmux = Child.start(dir, List.of());
        try {
            pgmux.awaitListeningPort();

            List<String> warnings = pgmux.lines().stream().filter(line -> line.contains(OPTION)).toList();
            assertEquals(1, warnings.size(), pgmux::text);
            assertTrue(warnings.get(0).contains("WARN"), pgmux::text);
        } finally {
            pgmux.stop();
        }
    }

    @Test
    void startedWithTheOptionPgmuxDoesNotWarn() throws Exception {
        Child pgmux = Child.start(dir, List.of(OPTION));
        try {
            pgmux.awaitListeningPort();

            assertEquals(List.of(), pgmux.lines().stream().filter(line -> line.contains("ExitOnOutOfMemoryError")).toList());
        } finally {
            pgmux.stop();
        }
    }

    @Test
    void aClientWhoseMessageCannotGetDirectMemoryIsToldSoAndOthersGoOn() throws Exception {
        Child pgmux = Child.start(dir, List.of(OPTION, "-XX:MaxDirectMemorySize=24m"), "max_message_size: 64MB\n");
        try {
            int port = pgmux.awaitListeningPort();
            try (RawClient bystander = RawClient.connect("127.0.0.1", port, TestPostgres.DATABASE, "oom_user");
                 RawClient big = RawClient.connect("127.0.0.1", port, TestPostgres.DATABASE, "oom_user")) {
                // a 48 MB query, within max_message_size but over what direct memory can hold
                byte[] text = ("SELECT '" + "x".repeat(48 << 20) + "'").getBytes(StandardCharsets.US_ASCII);
                big.sendMessage('Q', Arrays.copyOf(text, text.length + 1));
                try {
                    big.flush();
                } catch (IOException closedWhileSending) {
                    // pgmux may close before it has read everything; the error was sent first
                }

                ErrorResponse error = big.read().error();
                assertEquals("FATAL", error.severity(), error::toString);
                assertEquals(SqlState.OUT_OF_MEMORY, error.sqlState(), error::toString);
                assertTrue(big.isClosedByPeer());
                assertEquals("TDCZ", RawClient.types(bystander.query("SELECT 'still here'")));
            }
            assertTrue(pgmux.process().isAlive(), "a direct-memory shortage costs the client, not the process");
            assertEquals(1, pgmux.lines().stream().filter(line -> line.contains("out of memory for this client's data")).count(),
                    pgmux::text);
            assertEquals(List.of(), pgmux.lines().stream().filter(line -> line.contains("ERROR") || line.startsWith("\tat ")).toList());
        } finally {
            pgmux.stop();
        }
    }

    /** pgmux from the jar, its output (stdout and stderr) collected as it comes. */
    private record Child(Process process, List<String> collected) {
        static Child start(Path dir, List<String> jvmOptions) throws IOException {
            return start(dir, jvmOptions, "");
        }

        static Child start(Path dir, List<String> jvmOptions, String yaml) throws IOException {
            TestPostgres pg = TestPostgres.get();
            Path config = Files.writeString(dir.resolve("pgmux.yaml"), "listen: \"127.0.0.1:0\"\nupstream: \""
                    + pg.host() + ":" + pg.port() + "\"\nshutdown_timeout: 5s\nhttp:\n  listen: \"127.0.0.1:0\"\n" + yaml);
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
            command.addAll(jvmOptions);
            command.addAll(List.of("-jar", PgmuxJar.path(), "-c", config.toString()));
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            Child child = new Child(process, new ArrayList<>());
            Thread reader = new Thread(child::read, "pgmux-output");
            reader.setDaemon(true);
            reader.start();
            return child;
        }

        private void read() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    synchronized (collected) {
                        collected.add(line);
                    }
                }
            } catch (IOException e) {
                synchronized (collected) {
                    collected.add("(reading the output failed: " + e + ")");
                }
            }
        }

        List<String> lines() {
            synchronized (collected) {
                return List.copyOf(collected);
            }
        }

        String text() {
            return String.join("\n", lines());
        }

        /** The port from the "listening on" line; the lines before it are all pgmux logs while starting. */
        int awaitListeningPort() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                for (String line : lines()) {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        return Integer.parseInt(m.group(1));
                    }
                }
                if (!process.isAlive()) {
                    break;
                }
                Thread.sleep(50);
            }
            throw new AssertionError("pgmux did not log \"listening on\":\n" + text());
        }

        void stop() throws InterruptedException {
            process.toHandle().destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
