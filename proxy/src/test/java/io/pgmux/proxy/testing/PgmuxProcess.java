package io.pgmux.proxy.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * pgmux from the jar as a process of its own (with the JVM options a test gives it: heap, direct
 * memory), upstream the test Postgres; its output (stdout and stderr) collected as it comes.
 */
public record PgmuxProcess(Process process, List<String> collected) {
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)\\s*$");

    public static PgmuxProcess start(Path dir, List<String> jvmOptions) throws IOException {
        return start(dir, jvmOptions, "");
    }

    public static PgmuxProcess start(Path dir, List<String> jvmOptions, String yaml) throws IOException {
        TestPostgres pg = TestPostgres.get();
        Path config = Files.writeString(dir.resolve("pgmux.yaml"), "listen: \"127.0.0.1:0\"\nupstream: \""
                + pg.host() + ":" + pg.port() + "\"\nshutdown_timeout: 5s\nhttp:\n  listen: \"127.0.0.1:0\"\n" + yaml);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", PgmuxJar.path(), "-c", config.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        PgmuxProcess child = new PgmuxProcess(process, new ArrayList<>());
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

    public List<String> lines() {
        synchronized (collected) {
            return List.copyOf(collected);
        }
    }

    public String text() {
        return String.join("\n", lines());
    }

    /** The port from the "listening on" line; the lines before it are all pgmux logs while starting. */
    public int awaitListeningPort() throws InterruptedException {
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

    public void stop() throws InterruptedException {
        process.toHandle().destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
