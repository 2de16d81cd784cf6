package io.pgmux.proxy.net;

import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.uring.IoUringDomainSocketChannel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Who runs the process at the other end of a Unix domain socket: its user id as the kernel reports
 * it (SO_PEERCRED), and that id's user name from {@code /etc/passwd}. The file is read again only
 * when it changed, so a login costs a stat of a local file, not a read.
 */
public final class PeerUsers {
    private static final Path PASSWD = Path.of("/etc/passwd");
    /** The uid pgmux runs as; -1 where the system does not say (no {@code /proc}). */
    private static final int OWN_UID = ownUid();
    private static Map<Integer, String> names = Map.of();
    private static FileTime readAt;

    private PeerUsers() {
    }

    /** The peer's user id, or empty when the channel is not a Unix domain socket (or the kernel would not say). */
    public static OptionalInt uid(Channel channel) {
        try {
            if (channel instanceof EpollDomainSocketChannel domain) {
                return OptionalInt.of(domain.peerCredentials().uid());
            }
            if (channel instanceof IoUringDomainSocketChannel domain) {
                return OptionalInt.of(domain.peerCredentials().uid());
            }
        } catch (IOException e) {
            return OptionalInt.empty();
        }
        return OptionalInt.empty();
    }

    /** True for a client on the Unix domain socket whose process runs as the same OS user as pgmux. */
    public static boolean isOwnUser(Channel channel) {
        OptionalInt uid = uid(channel);
        return OWN_UID >= 0 && uid.isPresent() && uid.getAsInt() == OWN_UID;
    }

    /**
     * pgmux's effective uid, from the {@code Uid:} line of {@code /proc/self/status} (real, effective,
     * saved, filesystem), as a peer's credentials give its effective uid; -1 where there is none.
     * (The owner of {@code /proc/self} is root for a process that is not dumpable.)
     */
    private static int ownUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Integer.parseInt(line.substring(4).trim().split("\\s+")[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** True for a client on the Unix domain socket. */
    public static boolean isUnixSocket(Channel channel) {
        return channel instanceof EpollDomainSocketChannel || channel instanceof IoUringDomainSocketChannel;
    }

    /** The user name of {@code uid}, or null when {@code /etc/passwd} has no such user. */
    public static synchronized String name(int uid) {
        try {
            FileTime modified = Files.getLastModifiedTime(PASSWD);
            if (!modified.equals(readAt)) {
                names = parse(Files.readAllLines(PASSWD));
                readAt = modified;
            }
        } catch (IOException e) {
            return null;
        }
        return names.get(uid);
    }

    /** {@code name:password:uid:gid:...} lines; the first line of a uid wins, as getpwuid's. */
    static Map<Integer, String> parse(Iterable<String> lines) {
        Map<Integer, String> byUid = new HashMap<>();
        for (String line : lines) {
            String[] fields = line.split(":", -1);
            if (fields.length < 3 || line.startsWith("#")) {
                continue;
            }
            try {
                byUid.putIfAbsent(Integer.parseInt(fields[2]), fields[0]);
            } catch (NumberFormatException ignored) {
                // not a user line
            }
        }
        return byUid;
    }
}
