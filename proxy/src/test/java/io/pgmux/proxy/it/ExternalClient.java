package io.pgmux.proxy.it;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs a real client program (python, node, pgbench) against pgmux and hands back its exit code
 * and output. A client library that is missing fails the test with what to install: CI installs
 * them (see .ci/run), so a missing one is a broken machine, not a reason to skip.
 */
final class ExternalClient {
    /** Debian's python, which has the Debian client packages (a pyenv python on PATH may not). */
    static final String PYTHON = "/usr/bin/python3";

    record Result(int exitCode, String output) {
        /** Fails unless the program exited 0. */
        Result orFail(String what) {
            if (exitCode != 0) {
                fail(what + " exited " + exitCode + ":\n" + output);
            }
            return this;
        }
    }

    private ExternalClient() {
    }

    /** Runs {@code command}, output and errors together, killing it after {@code timeoutSeconds}. */
    static Result run(long timeoutSeconds, Map<String, String> environment, List<String> command) throws IOException, InterruptedException {
        Path log = Files.createTempFile("pgmux-client-", ".log");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(environment);
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                fail("cannot run " + command.get(0) + " (" + e.getMessage() + "); .ci/run installs what the client tests need");
                throw e;
            }
            process.getOutputStream().close();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                fail(String.join(" ", command) + " did not finish within " + timeoutSeconds + "s:\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    static Result run(long timeoutSeconds, String... command) throws IOException, InterruptedException {
        return run(timeoutSeconds, Map.of(), Arrays.asList(command));
    }

    /** Fails the test unless Debian's python can import {@code module} (from Debian package {@code debianPackage}). */
    static void requirePythonModule(String module, String debianPackage) throws IOException, InterruptedException {
        Result probe = run(60, PYTHON, "-c", "import " + module);
        if (probe.exitCode() != 0) {
            fail(PYTHON + " cannot import " + module + ": install the Debian package " + debianPackage
                    + " (.ci/run does)\n" + probe.output());
        }
    }

    /** A client script shipped in the test resources under {@code clients/}. */
    static String script(String name) {
        URL url = ExternalClient.class.getResource("/clients/" + name);
        if (url == null) {
            fail("test resource clients/" + name + " is missing");
        }
        try {
            return Path.of(url.toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The module's target directory (where test-classes is). */
    static Path targetDirectory() {
        return Path.of(script("README.md")).getParent().getParent().getParent();
    }

    /**
     * A directory with the npm package {@code pg} installed (under target/, never committed):
     * installed once per build from the npm registry, kept across test runs.
     */
    static Path nodeModulesWithPg() throws IOException, InterruptedException {
        Path prefix = targetDirectory().resolve("node-clients");
        Path installed = prefix.resolve("node_modules").resolve("pg").resolve("package.json");
        if (!Files.exists(installed)) {
            Files.createDirectories(prefix);
            List<String> install = new ArrayList<>(List.of("npm", "install", "--prefix", prefix.toString(),
                    "--no-audit", "--no-fund", "--no-package-lock", "pg@8"));
            Result result = run(600, Map.of(), install);
            if (result.exitCode() != 0 || !Files.exists(installed)) {
                fail("npm could not install pg into " + prefix + " (node and npm must be installed; .ci/run does):\n"
                        + result.output());
            }
        }
        return prefix.resolve("node_modules");
    }
}
