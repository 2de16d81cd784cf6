package io.pgmux.proxy.peer;

import java.net.InetSocketAddress;

/**
 * One other replica: its {@code peer_id} and the address of its client port.
 *
 * @param address resolved, unless its host name has never been found (then nothing is sent to it)
 * @param entry   the {@code peers} entry it came from, as SHOW PEERS names it
 */
public record Peer(int id, InetSocketAddress address, String entry) {

    /** True if a cancel can be sent to it now, with no lookup on the way. */
    public boolean reachable() {
        return !address.isUnresolved();
    }

    public String host() {
        return address.isUnresolved() ? address.getHostString() : address.getAddress().getHostAddress();
    }
}
