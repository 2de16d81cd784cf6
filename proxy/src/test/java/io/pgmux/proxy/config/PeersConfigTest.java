package io.pgmux.proxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class PeersConfigTest {

    @Test
    void withoutPeerIdPeeringIsOff() throws ConfigException {
        PgmuxConfig config = ConfigLoader.parse("pool_size: 3\n", Map.of());

        assertFalse(config.peers().enabled());
        assertEquals(PeersConfig.none(), config.peers());
    }

    @Test
    void aListOfReplicasAndADnsNameAreRead() throws ConfigException {
        PgmuxConfig config = ConfigLoader.parse("""
                peer_id: 1
                peers:
                  - {id: 1, host: 10.0.0.1}
                  - {id: 2, host: 10.0.0.2, port: 7432}
                  - {dns: pgmux-peers.db.svc.cluster.local, port: 6433}
                  - {id: 3, host: /run/pgmux3, port: 6432}
                peer_refresh: 2s
                """, Map.of());

        assertTrue(config.peers().enabled());
        assertEquals(new PeersConfig(1, List.of(new PeerEntry(1, "10.0.0.1", 6432), new PeerEntry(2, "10.0.0.2", 7432),
                new PeerEntry(0, "pgmux-peers.db.svc.cluster.local", 6433), new PeerEntry(3, "/run/pgmux3", 6432)),
                Duration.ofSeconds(2)), config.peers());
        assertTrue(config.peers().entries().get(3).isUnixSocket());
        assertEquals("/run/pgmux3/.s.PGSQL.6432", config.peers().entries().get(3).socketPath());
    }

    @Test
    void peerIdAutoComesFromTheFileOrTheEnvironment() throws ConfigException {
        assertEquals(PeersConfig.AUTO, ConfigLoader.parse("peer_id: auto\n", Map.of()).peers().peerId());
        assertEquals(PeersConfig.AUTO, ConfigLoader.parse("", Map.of("PGMUX_PEER_ID", "auto")).peers().peerId());
        assertEquals(12, ConfigLoader.parse("", Map.of("PGMUX_PEER_ID", "12")).peers().peerId());
    }

    @Test
    void mistakesAreNamedByTheirPath() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("""
                peer_id: 16384
                peers:
                  - {id: 2, host: a}
                  - {id: 2, host: b}
                  - {dns: x, id: 3}
                  - {host: c}
                  - {id: 4, host: d, weight: 1}
                  - {dns: /run/pgmux}
                """, Map.of()));

        assertEquals(List.of(
                "peer_id: must be 0..16383",
                "peers[1].id: peer id 2 is listed twice",
                "peers[2].dns: an entry has either dns (every address of a name) or id and host (one replica)",
                "peers[3]: id and host are required (or dns: a name whose every address is a replica)",
                "peers[4].weight: unknown key",
                "peers[5].dns: must be a host name (a Unix socket directory is a host, with an id)"), e.errors());
    }

    @Test
    void peersNeedAPeerId() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("peers: [{id: 2, host: a}]\n", Map.of()));

        assertEquals(List.of("peers: needs peer_id (this replica's id, 1..16383, or auto)"), e.errors());
    }
}
