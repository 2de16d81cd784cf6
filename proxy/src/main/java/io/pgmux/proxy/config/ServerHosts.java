package io.pgmux.proxy.config;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The Postgres hosts of a database, in the order its {@code host} lists them (one port for all),
 * and how new connections spread over them. A connection that cannot reach its first host (the
 * name does not resolve, or no address accepts) tries the next ones in the list's order.
 */
public record ServerHosts(List<HostPort> hosts, LoadBalanceHosts balance) {

    public ServerHosts {
        hosts = List.copyOf(hosts);
        Objects.requireNonNull(balance, "balance");
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("a database needs at least one host");
        }
    }

    /** One host: nothing to balance. */
    public static ServerHosts single(HostPort server) {
        return new ServerHosts(List.of(server), LoadBalanceHosts.ROUND_ROBIN);
    }

    /** Whether {@code host} listed several hosts. */
    public boolean isList() {
        return hosts.size() > 1;
    }

    /** The hosts as the YAML gives them: {@code a,b} (the port is shown apart). */
    public String hostNames() {
        return hosts.stream().map(HostPort::host).collect(Collectors.joining(","));
    }
}
