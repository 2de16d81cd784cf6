package io.pgmux.proxy.config;

import java.util.Objects;

/**
 * One entry of {@code peers}: either one replica named with its {@code peer_id} ({@code id},
 * {@code host}, {@code port}), or a DNS name ({@code dns}, {@code port}) each of whose addresses is
 * a replica, its id derived from the address (see {@code peer.PeerIds}), as a Kubernetes headless
 * Service lists the pods behind it. A replica's host that starts with {@code /} is the directory of
 * its Unix domain socket, {@code <host>/.s.PGSQL.<port>}, as in PgBouncer's {@code [peers]}.
 *
 * @param id   the replica's {@code peer_id}; 0 for a DNS name
 * @param host a host name or address, or a Unix socket directory; for a DNS name, the name to resolve
 * @param port the replica's client port
 */
public record PeerEntry(int id, String host, int port) {
    /** The largest {@code peer_id}: the cancel keys have 14 bits for it, as PgBouncer's. */
    public static final int MAX_ID = 16383;

    public PeerEntry {
        Objects.requireNonNull(host, "host");
        if (id < 0 || id > MAX_ID) {
            throw new IllegalArgumentException("id must be 0.." + MAX_ID + " (got " + id + ")");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535 (got " + port + ")");
        }
    }

    /** True if the entry is a DNS name standing for every address it resolves to. */
    public boolean isDnsName() {
        return id == 0;
    }

    /** True if the replica is reached on its Unix domain socket in the directory {@code host}. */
    public boolean isUnixSocket() {
        return !isDnsName() && host.startsWith("/");
    }

    /** The path of the replica's Unix domain socket; only for {@link #isUnixSocket()}. */
    public String socketPath() {
        return host + "/" + UnixSocketConfig.fileName(port);
    }

    @Override
    public String toString() {
        return (isDnsName() ? "dns " : id + "=") + host + ":" + port;
    }
}
