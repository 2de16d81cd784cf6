package io.pgmux.bench.sys;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * CPU time and resident memory of a target's processes, read from Linux's {@code /proc}. A target
 * is the process listening on its port plus every descendant (Postgres' backends). Where
 * {@code /proc} is missing or unreadable every answer is empty: the numbers are then left out of
 * the report, nothing fails.
 */
public final class ProcStats {
    private ProcStats() {}

    private static final Path PROC = Path.of("/proc");
    /** USER_HZ: 100 on every Linux architecture the JDK runs on. */
    private static final double TICKS_PER_SECOND = 100.0;
    private static final int TCP_LISTEN = 0x0A;

    /** CPU seconds (user + system, including reaped children) and resident bytes at one instant. */
    public record Usage(double cpuSeconds, long rssBytes, int processes) {
    }

    /** The process that listens on TCP {@code port} (any address), if it can be found. */
    public static OptionalLong pidListeningOn(int port) {
        List<Long> inodes = new ArrayList<>();
        for (String table : List.of("net/tcp", "net/tcp6")) {
            try {
                for (String line : Files.readAllLines(PROC.resolve(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length < 10 || !f[1].contains(":")) {
                        continue;
                    }
                    int localPort = Integer.parseInt(f[1].substring(f[1].lastIndexOf(':') + 1), 16);
                    int state;
                    try {
                        state = Integer.parseInt(f[3], 16);
                    } catch (NumberFormatException e) {
                        continue;
                    }
                    if (localPort == port && state == TCP_LISTEN) {
                        inodes.add(Long.parseLong(f[9]));
                    }
                }
            } catch (IOException | RuntimeException e) {
                // no such table (no IPv6) or unreadable
            }
        }
        if (inodes.isEmpty()) {
            return OptionalLong.empty();
        }
        List<String> wanted = inodes.stream().map(i -> "socket:[" + i + "]").toList();
        for (long pid : pids()) {
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(PROC.resolve(pid + "/fd"))) {
                for (Path fd : fds) {
                    try {
                        if (wanted.contains(Files.readSymbolicLink(fd).toString())) {
                            return OptionalLong.of(pid);
                        }
                    } catch (IOException e) {
                        // closed meanwhile
                    }
                }
            } catch (IOException | SecurityException e) {
                // gone, or not ours to read
            }
        }
        return OptionalLong.empty();
    }

    /**
     * Usage of {@code pid} and its descendants. Resident memory: the process's {@code VmRSS} when
     * it has no children; otherwise the sum of every process's proportional set size ({@code Pss}),
     * so that memory shared between Postgres' backends is counted once. Without {@code withMemory}
     * only CPU is read (cheaper) and the memory is 0.
     */
    public static Optional<Usage> usage(long pid, boolean withMemory) {
        List<Long> tree = tree(pid);
        if (tree.isEmpty()) {
            return Optional.empty();
        }
        double ticks = 0;
        long rss = 0;
        for (long p : tree) {
            OptionalLong t = cpuTicks(p);
            if (t.isPresent()) {
                ticks += t.getAsLong();
            }
        }
        if (!withMemory) {
            rss = 0;
        } else if (tree.size() == 1) {
            rss = statusKb(pid, "VmRSS:").orElse(0) * 1024;
        } else {
            for (long p : tree) {
                rss += rollupKb(p, "Pss:").orElse(0) * 1024;
            }
        }
        return Optional.of(new Usage(ticks / TICKS_PER_SECOND, rss, tree.size()));
    }

    /** {@code VmRSS} of one process, in bytes. */
    public static OptionalLong rssBytes(long pid) {
        OptionalLong kb = statusKb(pid, "VmRSS:");
        return kb.isPresent() ? OptionalLong.of(kb.getAsLong() * 1024) : OptionalLong.empty();
    }

    /** utime + stime + cutime + cstime of one process, in clock ticks. */
    static OptionalLong cpuTicks(long pid) {
        try {
            String stat = Files.readString(PROC.resolve(pid + "/stat"));
            // the command name (field 2) may hold spaces and parentheses: fields count from the last ')'
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // f[0] is field 3 (state); utime..cstime are fields 14..17
            return OptionalLong.of(Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** {@code pid} followed by all its descendants that exist now; empty if {@code pid} does not. */
    static List<Long> tree(long pid) {
        if (!Files.exists(PROC.resolve(Long.toString(pid)))) {
            return List.of();
        }
        Map<Long, List<Long>> children = new HashMap<>();
        for (long p : pids()) {
            try {
                String stat = Files.readString(PROC.resolve(p + "/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                children.computeIfAbsent(Long.parseLong(f[1]), k -> new ArrayList<>()).add(p);
            } catch (IOException | RuntimeException e) {
                // exited meanwhile
            }
        }
        List<Long> tree = new ArrayList<>();
        tree.add(pid);
        for (int i = 0; i < tree.size(); i++) {
            tree.addAll(children.getOrDefault(tree.get(i), List.of()));
        }
        return tree;
    }

    private static List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC)) {
            for (Path dir : dirs) {
                String name = dir.getFileName().toString();
                if (!name.isEmpty() && Character.isDigit(name.charAt(0))) {
                    try {
                        pids.add(Long.parseLong(name));
                    } catch (NumberFormatException ignored) {
                        // not a process
                    }
                }
            }
        } catch (IOException e) {
            // no /proc
        }
        return pids;
    }

    private static OptionalLong statusKb(long pid, String key) {
        return kbField(PROC.resolve(pid + "/status"), key);
    }

    private static OptionalLong rollupKb(long pid, String key) {
        return kbField(PROC.resolve(pid + "/smaps_rollup"), key);
    }

    private static OptionalLong kbField(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(key)) {
                    return OptionalLong.of(Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]));
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone or unreadable
        }
        return OptionalLong.empty();
    }
}
