package io.pgmux.proxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Configs of pgmux replicas on loopback that are peers of each other (peer_id 1, 2, 3...), for the peer ITs. */
public final class PeerReplicas {
    private PeerReplicas() {
    }

    /**
     * One config per port: the replica listens on 127.0.0.1 there, has peer_id i + 1, looks its peers
     * up every 500 ms, lists every replica ({@code {id: i, host: 127.0.0.1, port: p}}) and has the
     * keys of {@code extra} (YAML lines, each ending in a newline).
     */
    public static List<String> configs(int[] ports, String extra) {
        StringBuilder peers = new StringBuilder("peers:\n");
        for (int i = 0; i < ports.length; i++) {
            peers.append("  - {id: ").append(i + 1).append(", host: 127.0.0.1, port: ").append(ports[i]).append("}\n");
        }
        List<String> configs = new ArrayList<>();
        for (int i = 0; i < ports.length; i++) {
            configs.add("listen: \"127.0.0.1:" + ports[i] + "\"\npeer_id: " + (i + 1) + "\npeer_refresh: 500ms\n" + extra + peers);
        }
        return configs;
    }

    /** {@code count} ports free on loopback now (each probed and released). */
    public static int[] freePorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // a probe
                }
            }
        }
    }
}
