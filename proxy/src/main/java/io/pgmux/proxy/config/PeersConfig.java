package io.pgmux.proxy.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Replicas of pgmux that act as one pooler: cancel requests for another replica's clients go to it.
 *
 * @param peerId  YAML {@code peer_id}: this replica's id in its cancel keys, 1..16383; 0 = peering off
 *                (cancel keys as a lone pgmux makes them); {@link #AUTO} = derived from this host's
 *                address, as replicas found through a DNS name are
 * @param entries YAML {@code peers}: the replicas (an entry with this replica's own id is skipped, so
 *                every replica can have the same list)
 * @param refresh YAML {@code peer_refresh}: how often the host and DNS names of {@code peers} are
 *                looked up again
 */
public record PeersConfig(int peerId, List<PeerEntry> entries, Duration refresh) {
    /** {@code peer_id: auto}. */
    public static final int AUTO = -1;

    public PeersConfig {
        Objects.requireNonNull(refresh, "refresh");
        entries = List.copyOf(entries);
        if (peerId < AUTO || peerId > PeerEntry.MAX_ID) {
            throw new IllegalArgumentException("peerId must be auto or 0.." + PeerEntry.MAX_ID + " (got " + peerId + ")");
        }
    }

    public static PeersConfig none() {
        return new PeersConfig(0, List.of(), Duration.ofSeconds(5));
    }

    /** True if this replica issues cancel keys that name it ({@code peer_id} set). */
    public boolean enabled() {
        return peerId != 0;
    }
}
