package io.pgmux.bench.load;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Something to benchmark: a name and the address clients connect to, written {@code NAME=HOST:PORT}
 * ({@code direct=127.0.0.1:5432}). Its process (for CPU and memory) is found by the listening port
 * unless {@code pid} is given.
 *
 * @param maxClients workloads with more clients are skipped for this target (0 = no limit)
 */
public record Target(String name, String host, int port, Long pid, int maxClients) {
    private static final Pattern SPEC = Pattern.compile("([A-Za-z0-9_.-]+)=(\\[[^\\]]+\\]|[^:=]+):(\\d+)");

    public Target {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(host, "host");
    }

    public static Target parse(String spec) {
        Matcher m = SPEC.matcher(spec);
        if (!m.matches()) {
            throw new IllegalArgumentException("target '" + spec + "' is not NAME=HOST:PORT (e.g. pgmux=127.0.0.1:6432)");
        }
        String host = m.group(2);
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = Integer.parseInt(m.group(3));
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("target '" + spec + "': port " + port + " is not 1..65535");
        }
        return new Target(m.group(1), host, port, null, 0);
    }

    public Target withPid(Long pid) {
        return new Target(name, host, port, pid, maxClients);
    }

    public Target withMaxClients(int maxClients) {
        return new Target(name, host, port, pid, maxClients);
    }

    public boolean accepts(int clients) {
        return maxClients <= 0 || clients <= maxClients;
    }

    public String address() {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }

    @Override
    public String toString() {
        return name + "=" + address();
    }
}
