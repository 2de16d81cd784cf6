package io.pgmux.proxy.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A network path to the test Postgres through a network namespace of its own, which a test can
 * make go dark with no packet answered (not even by a kernel: unlike a user-space relay, nothing on
 * the far side acknowledges keepalive probes). The host and the namespace are joined by a veth pair
 * on a private /30; {@code socat} in the namespace listens on the namespace's address and relays,
 * back across the pair, to a {@code socat} on the host's side that relays to Postgres on loopback.
 * {@link #goDark()} sets the namespace's end of the pair down (its peer loses carrier, packets are
 * dropped silently; the kernel here has no netem); {@link #comeBack()} sets it up again.
 *
 * <p>Needs root, {@code ip netns} and {@code socat}: {@link #unavailable()} says why not. Every
 * name is unique; {@link #close()} removes the namespace, the pair and the relays in every case.
 */
public final class NetworkNamespacePath implements AutoCloseable {
    private static final int PORT = 5432;

    private final String namespace;
    private final String hostEnd;
    private final String namespaceEnd;
    private final String hostAddress;
    private final String namespaceAddress;
    private final List<Process> relays = new ArrayList<>();

    private NetworkNamespacePath() {
        int id = ThreadLocalRandom.current().nextInt(1 << 20);
        String suffix = Long.toHexString(ProcessHandle.current().pid() & 0xfff) + Integer.toHexString(id & 0xfff);
        namespace = "pgmux" + suffix;
        hostEnd = "pgh" + suffix;
        namespaceEnd = "pgn" + suffix;
        int subnet = 4 * ThreadLocalRandom.current().nextInt(64);
        int third = ThreadLocalRandom.current().nextInt(200, 250);
        hostAddress = "10.231." + third + "." + (subnet + 1);
        namespaceAddress = "10.231." + third + "." + (subnet + 2);
    }

    /** Null when a path can be made here, or why not. */
    public static String unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "network namespaces need root";
        }
        if (!Files.isExecutable(Path.of("/usr/sbin/ip")) && !Files.isExecutable(Path.of("/sbin/ip"))
                && !Files.isExecutable(Path.of("/usr/bin/ip"))) {
            return "the ip command (iproute2) is not installed";
        }
        if (!Files.isExecutable(Path.of("/usr/bin/socat"))) {
            return "socat is not installed";
        }
        try {
            NetworkNamespacePath probe = new NetworkNamespacePath();
            try {
                probe.run("ip", "netns", "add", probe.namespace);
            } finally {
                probe.runQuietly("ip", "netns", "del", probe.namespace);
            }
        } catch (IOException e) {
            return "ip netns does not work here: " + e.getMessage();
        }
        return null;
    }

    /** Makes the namespace, the pair and the relays to {@code postgres} (host:port on the host's loopback). */
    public static NetworkNamespacePath to(String postgresHost, int postgresPort) throws IOException {
        NetworkNamespacePath path = new NetworkNamespacePath();
        try {
            path.open(postgresHost, postgresPort);
            return path;
        } catch (IOException | RuntimeException e) {
            path.close();
            throw e;
        }
    }

    private void open(String postgresHost, int postgresPort) throws IOException {
        run("ip", "netns", "add", namespace);
        run("ip", "link", "add", hostEnd, "type", "veth", "peer", "name", namespaceEnd);
        run("ip", "link", "set", namespaceEnd, "netns", namespace);
        run("ip", "addr", "add", hostAddress + "/30", "dev", hostEnd);
        run("ip", "link", "set", hostEnd, "up");
        run("ip", "netns", "exec", namespace, "ip", "addr", "add", namespaceAddress + "/30", "dev", namespaceEnd);
        run("ip", "netns", "exec", namespace, "ip", "link", "set", namespaceEnd, "up");
        int hostPort = freePort();
        relays.add(start("socat", "TCP-LISTEN:" + hostPort + ",bind=" + hostAddress + ",fork,reuseaddr",
                "TCP:" + postgresHost + ":" + postgresPort));
        relays.add(start("ip", "netns", "exec", namespace, "socat", "TCP-LISTEN:" + PORT + ",bind=" + namespaceAddress + ",fork,reuseaddr",
                "TCP:" + hostAddress + ":" + hostPort));
        awaitListening(namespaceAddress, PORT);
    }

    /** Where Postgres is reached through the namespace: host:port for {@code upstream}. */
    public String address() {
        return namespaceAddress + ":" + PORT;
    }

    /** The path goes dark: nothing sent either way arrives, and nobody answers. */
    public void goDark() throws IOException {
        run("ip", "netns", "exec", namespace, "ip", "link", "set", namespaceEnd, "down");
    }

    /** The path works again. */
    public void comeBack() throws IOException {
        run("ip", "netns", "exec", namespace, "ip", "link", "set", namespaceEnd, "up");
        awaitListening(namespaceAddress, PORT);
    }

    @Override
    public void close() {
        for (Process relay : relays) {
            relay.descendants().forEach(ProcessHandle::destroyForcibly);
            relay.destroyForcibly();
        }
        runQuietly("ip", "netns", "del", namespace); // takes its end of the pair, and so the pair, with it
        runQuietly("ip", "link", "del", hostEnd);
    }

    private static void awaitListening(String host, int port) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (java.net.Socket socket = new java.net.Socket()) {
                socket.connect(new java.net.InetSocketAddress(host, port), 1000);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("nothing listens on " + host + ":" + port + " through the namespace", e);
                }
                sleep(50);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static Process start(String... command) throws IOException {
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private void run(String... command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try {
            output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output.strip());
        }
    }

    private void runQuietly(String... command) {
        try {
            run(command);
        } catch (IOException ignored) {
            // cleaning up what may not exist
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
