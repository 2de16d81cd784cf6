package io.pgmux.proxy.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * pgmux from the jar as a process of its own (with the JVM options a test gives it: heap, direct
 * memory), upstream the test Postgres; its output (stdout and stderr) collected as it comes.
 */
public record PgmuxProcess(Process process, ProcessOutput output) {
    public static PgmuxProcess start(Path dir, List<String> jvmOptions) throws IOException {
        return start(dir, jvmOptions, "");
    }

    public static PgmuxProcess start(Path dir, List<String> jvmOptions, String yaml) throws IOException {
        TestPostgres pg = TestPostgres.get();
        Path config = Files.writeString(dir.resolve("pgmux.yaml"), "listen: \"127.0.0.1:0\"\nupstream: \""
                + pg.host() + ":" + pg.port() + "\"\nshutdown_timeout: 5s\nhttp:\n  listen: \"127.0.0.1:0\"\n"
                + (yaml.contains("unix_socket_dir:") ? "" : "unix_socket_dir: \"\"\n") + yaml);
        Process process = new ProcessBuilder(PgmuxJar.command(jvmOptions, "-c", config.toString()))
                .redirectErrorStream(true).start();
        return new PgmuxProcess(process, ProcessOutput.of(process));
    }

    public List<String> lines() {
        return output.lines();
    }

    public String text() {
        return output.text();
    }

    /** The port from the "listening on" line; the lines before it are all pgmux logs while starting. */
    public int awaitListeningPort() throws InterruptedException {
        return output.awaitListeningPort();
    }

    public void stop() throws InterruptedException {
        process.toHandle().destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
