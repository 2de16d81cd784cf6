package io.pgmux.proxy.peer;

import io.netty.channel.unix.DomainSocketAddress;
import io.pgmux.proxy.config.PeerEntry;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The peers at one moment, by id: what a cancel for another replica's key is checked against.
 * Immutable; {@link PeerDirectory} makes a new one at each lookup.
 *
 * <p>This replica's own id is never in it (the shared list names it too, and a DNS name lists its
 * address). An id two different addresses claim (two DNS addresses whose derived ids are equal, or
 * an address whose id a listed replica has) is <em>ambiguous</em>: a cancel for it goes nowhere,
 * since sending it to the wrong replica could not cancel anything anyway, and the set says which
 * ids are so, for the log.
 */
public final class PeerSet {
    static final PeerSet EMPTY = new PeerSet(Map.of(), Set.of());

    private final Map<Integer, Peer> byId;
    private final Set<Integer> ambiguous;

    private PeerSet(Map<Integer, Peer> byId, Set<Integer> ambiguous) {
        this.byId = Collections.unmodifiableMap(byId);
        this.ambiguous = Collections.unmodifiableSet(ambiguous);
    }

    /**
     * The set for {@code entries}, their names resolved to {@code addresses} (a name missing there
     * has not been found yet: a listed replica is kept unresolved, a DNS name gives nobody).
     */
    static PeerSet of(int ownId, List<PeerEntry> entries, Map<String, List<InetAddress>> addresses) {
        Map<Integer, Peer> byId = new LinkedHashMap<>();
        Set<Integer> ambiguous = new TreeSet<>();
        for (PeerEntry entry : entries) {
            if (entry.isUnixSocket()) {
                add(byId, ambiguous, ownId, new Peer(entry.id(), new DomainSocketAddress(entry.socketPath()), entry.toString()));
                continue;
            }
            List<InetAddress> found = addresses.getOrDefault(entry.host(), List.of());
            if (!entry.isDnsName()) {
                InetSocketAddress address = found.isEmpty() ? InetSocketAddress.createUnresolved(entry.host(), entry.port())
                        : new InetSocketAddress(found.get(0), entry.port());
                add(byId, ambiguous, ownId, new Peer(entry.id(), address, entry.toString()));
                continue;
            }
            for (InetAddress address : found) {
                add(byId, ambiguous, ownId, new Peer(PeerIds.of(address), new InetSocketAddress(address, entry.port()),
                        entry.toString()));
            }
        }
        ambiguous.forEach(byId::remove);
        return new PeerSet(byId, ambiguous);
    }

    private static void add(Map<Integer, Peer> byId, Set<Integer> ambiguous, int ownId, Peer peer) {
        if (peer.id() == ownId) {
            return;
        }
        Peer before = byId.putIfAbsent(peer.id(), peer);
        if (before != null && !before.address().equals(peer.address())) {
            ambiguous.add(peer.id());
        }
    }

    /** The peer with this id, or null if there is none now (or two claim it). */
    public Peer find(int id) {
        return byId.get(id);
    }

    /** Whether one of the peers has the address {@code address} (any port: a peer connects from an ephemeral one). */
    public boolean hasAddress(InetAddress address) {
        for (Peer peer : byId.values()) {
            if (peer.reachable() && peer.address() instanceof InetSocketAddress inet && inet.getAddress().equals(address)) {
                return true;
            }
        }
        return false;
    }

    /** Whether one of the peers is reached on a Unix domain socket (so it may ask on this replica's). */
    public boolean hasUnixSocketPeer() {
        for (Peer peer : byId.values()) {
            if (peer.isUnixSocket()) {
                return true;
            }
        }
        return false;
    }

    /** Every peer, by id. */
    public List<Peer> peers() {
        List<Peer> peers = new ArrayList<>(byId.values());
        peers.sort((a, b) -> Integer.compare(a.id(), b.id()));
        return peers;
    }

    /** Ids that more than one address claims; no cancel goes to them. */
    public Set<Integer> ambiguous() {
        return ambiguous;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PeerSet other && byId.equals(other.byId) && ambiguous.equals(other.ambiguous);
    }

    @Override
    public int hashCode() {
        return byId.hashCode() * 31 + ambiguous.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        for (Peer peer : peers()) {
            text.append(text.isEmpty() ? "" : ", ").append(peer.id()).append('=').append(peer.host()).append(':')
                    .append(peer.port());
        }
        if (!ambiguous.isEmpty()) {
            text.append(text.isEmpty() ? "" : "; ").append("ambiguous ids ").append(ambiguous);
        }
        return text.isEmpty() ? "none" : text.toString();
    }
}
