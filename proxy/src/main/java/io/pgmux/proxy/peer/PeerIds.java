package io.pgmux.proxy.peer;

import io.pgmux.proxy.config.PeerEntry;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Arrays;
import java.util.Collections;

/**
 * The {@code peer_id} of a replica known by its address: the replicas behind a DNS name (the pods
 * of a headless Service) have no configured ids, so each one's id is computed from its address, and
 * a replica with {@code peer_id: auto} computes its own the same way from its host's address.
 * Two addresses can give the same id (IPv4 addresses 16383 apart); {@link PeerSet} then forwards
 * to neither and says so.
 */
public final class PeerIds {
    private PeerIds() {
    }

    /** 1..16383 for any address. */
    public static int of(InetAddress address) {
        long value;
        if (address instanceof Inet4Address) {
            byte[] b = address.getAddress();
            value = (b[0] & 0xFFL) << 24 | (b[1] & 0xFFL) << 16 | (b[2] & 0xFFL) << 8 | (b[3] & 0xFFL);
        } else {
            value = Arrays.hashCode(address.getAddress()) & 0xFFFF_FFFFL;
        }
        return (int) (value % PeerEntry.MAX_ID) + 1;
    }

    /**
     * {@code peer_id: auto}: the id of this host's first non-loopback IPv4 address (a pod's own
     * address), by interface order.
     *
     * @throws IllegalStateException if the host has none
     */
    public static int ofThisHost() {
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp() || nic.isLoopback()) {
                    continue;
                }
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    if (address instanceof Inet4Address && !address.isLoopbackAddress() && !address.isLinkLocalAddress()) {
                        return of(address);
                    }
                }
            }
        } catch (SocketException e) {
            throw new IllegalStateException("peer_id auto: cannot list this host's addresses: " + e.getMessage(), e);
        }
        throw new IllegalStateException("peer_id auto: this host has no IPv4 address other than loopback; set peer_id");
    }
}
