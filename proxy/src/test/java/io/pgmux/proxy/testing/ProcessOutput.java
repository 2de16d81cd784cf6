package io.pgmux.proxy.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What a child process prints (start it with {@code redirectErrorStream(true)} for stdout and stderr
 * together), read line by line on a thread of its own as it comes. The awaits read on from where the
 * last one stopped; {@link #lines()} is everything so far.
 *
 * <pre>
 * Process pgmux = new ProcessBuilder(PgmuxJar.command(List.of(), "-c", config)).redirectErrorStream(true).start();
 * ProcessOutput output = ProcessOutput.of(pgmux);
 * int port = output.awaitListeningPort();
 * </pre>
 */
public final class ProcessOutput {
    private static final Pattern LISTENING = Pattern.compile("listening on (\\S+):(\\d+)\\s*$");
    private static final long AWAIT_SECONDS = 60;

    private final List<String> lines = new ArrayList<>();
    private boolean ended;
    private int awaited;

    private ProcessOutput() {}

    public static ProcessOutput of(Process process) {
        ProcessOutput output = new ProcessOutput();
        Thread reader = new Thread(() -> output.read(process), "child-output");
        reader.setDaemon(true);
        reader.start();
        return output;
    }

    private void read(Process process) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                add(line);
            }
        } catch (IOException e) {
            add("(reading the output failed: " + e + ")");
        } finally {
            synchronized (this) {
                ended = true;
                notifyAll();
            }
        }
    }

    private synchronized void add(String line) {
        lines.add(line);
        notifyAll();
    }

    /** Every line so far. */
    public synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    /** Every line so far, as one text (to attach to a failed assertion). */
    public String text() {
        return String.join("\n", lines());
    }

    /** The port of the "listening on" line pgmux logs once it accepts clients; fails unless it comes, on 127.0.0.1, within 60 s. */
    public int awaitListeningPort() throws InterruptedException {
        String line = awaitLineMatching(LISTENING);
        if (line == null) {
            throw new AssertionError("pgmux did not log \"listening on\":\n" + text());
        }
        Matcher m = LISTENING.matcher(line);
        m.find();
        assertEquals("127.0.0.1", m.group(1), line);
        return Integer.parseInt(m.group(2));
    }

    /** Whether a line containing {@code fragment} comes (after the last one awaited) within 60 s. */
    public boolean awaitLine(String fragment) throws InterruptedException {
        return awaitLineMatching(Pattern.compile(Pattern.quote(fragment))) != null;
    }

    /** The next line matching {@code pattern}, or null if the output ends or 60 s pass first. */
    private synchronized String awaitLineMatching(Pattern pattern) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(AWAIT_SECONDS);
        while (true) {
            while (awaited < lines.size()) {
                String line = lines.get(awaited++);
                if (pattern.matcher(line).find()) {
                    return line;
                }
            }
            long left = deadline - System.nanoTime();
            if (ended || left <= 0) {
                return null;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }
}
