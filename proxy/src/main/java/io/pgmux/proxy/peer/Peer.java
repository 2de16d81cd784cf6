package io.pgmux.proxy.peer;

import io.netty.channel.unix.DomainSocketAddress;
import io.pgmux.proxy.config.UnixSocketConfig;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;

/**
 * One other replica: its {@code peer_id} and the address of its client port, a TCP one or its Unix
 * domain socket {@code <dir>/.s.PGSQL.<port>}.
 *
 * @param address an {@link InetSocketAddress}, resolved unless its host name has never been found
 *                (then nothing is sent to it), or a {@link DomainSocketAddress}
 * @param entry   the {@code peers} entry it came from, as SHOW PEERS names it
 */
public record Peer(int id, SocketAddress address, String entry) {

    /** True if a cancel can be sent to it now, with no lookup on the way. */
    public boolean reachable() {
        return !(address instanceof InetSocketAddress inet && inet.isUnresolved());
    }

    /** True if it is reached on its Unix domain socket. */
    public boolean isUnixSocket() {
        return address instanceof DomainSocketAddress;
    }

    /** Its address, or the directory of its Unix socket. */
    public String host() {
        if (address instanceof DomainSocketAddress unix) {
            return String.valueOf(Path.of(unix.path()).getParent());
        }
        InetSocketAddress inet = (InetSocketAddress) address;
        return inet.isUnresolved() ? inet.getHostString() : inet.getAddress().getHostAddress();
    }

    /** Its client port (for a Unix socket, the port its file is named for). */
    public int port() {
        if (address instanceof DomainSocketAddress unix) {
            String file = Path.of(unix.path()).getFileName().toString();
            return Integer.parseInt(file.substring(UnixSocketConfig.FILE_PREFIX.length()));
        }
        return ((InetSocketAddress) address).getPort();
    }
}
