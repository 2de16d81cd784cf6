package io.pgmux.proxy.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Reads {@code peer_id} and the entries of {@code peers}. */
final class PeerEntries {
    /** The port of an entry that gives none: pgmux's default {@code listen} port. */
    static final int DEFAULT_PORT = 6432;

    private PeerEntries() {
    }

    /** {@code peer_id}: 0..16383, or {@code auto} ({@link PeersConfig#AUTO}). */
    static int readPeerId(YamlSection root, String key, int dflt, ConfigReading reading) {
        if (root.hasScalar(key, "auto")) {
            root.consume(key);
            return PeersConfig.AUTO;
        }
        return root.integer(key, dflt, 0, PeerEntry.MAX_ID);
    }

    /**
     * {@code peers}: a list of {@code {id, host, port}} (one replica; a host starting with {@code /}
     * is its Unix socket directory) and {@code {dns, port}} (every address of a name). Ids are
     * unique; a list needs {@code peer_id}.
     */
    static List<PeerEntry> readList(YamlSection root, String key, List<PeerEntry> dflt, ConfigReading reading) {
        if (!root.isPresent(key) || root.isNull(key)) {
            root.consume(key);
            return dflt;
        }
        List<PeerEntry> entries = new ArrayList<>();
        Set<Integer> ids = new HashSet<>();
        List<YamlSection> sections = root.sectionList(key);
        for (YamlSection entry : sections) {
            int port = entry.integer("port", DEFAULT_PORT, 1, 65535);
            if (entry.isPresent("dns")) {
                if (entry.isPresent("id") || entry.isPresent("host")) {
                    entry.error("dns", "an entry has either dns (every address of a name) or id and host (one replica)");
                }
                String name = entry.string("dns", "");
                entry.consume("id");
                entry.consume("host");
                if (name == null || name.isBlank() || name.strip().startsWith("/")) {
                    entry.error("dns", "must be a host name (a Unix socket directory is a host, with an id)");
                } else {
                    entries.add(new PeerEntry(0, name.strip(), port));
                }
            } else {
                if (!entry.isPresent("id") || !entry.isPresent("host")) {
                    entry.error("id and host are required (or dns: a name whose every address is a replica)");
                }
                int id = entry.integer("id", 1, 1, PeerEntry.MAX_ID);
                String host = entry.string("host", "");
                if (host == null || host.isBlank()) {
                    entry.error("host", "must be a host name or address, or a Unix socket directory (starting with /)");
                } else if (!ids.add(id)) {
                    entry.error("id", "peer id " + id + " is listed twice");
                } else {
                    entries.add(new PeerEntry(id, host.strip(), port));
                }
            }
            entry.reportUnknownKeys();
        }
        String peerId = ConfigKeys.PEER_ID.name();
        boolean peerIdOff = !root.isPresent(peerId) || root.hasScalar(peerId, "0"); // not when it is wrong: that is its own error
        if (!sections.isEmpty() && reading.value(ConfigKeys.PEER_ID) == 0 && peerIdOff) {
            root.error(key, "needs peer_id (this replica's id, 1.." + PeerEntry.MAX_ID + ", or auto)");
        }
        return List.copyOf(entries);
    }
}
