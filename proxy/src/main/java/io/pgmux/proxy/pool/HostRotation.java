package io.pgmux.proxy.pool;

import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.config.LoadBalanceHosts;
import io.pgmux.proxy.config.ServerHosts;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A pool's place in its database's host list ({@code load_balance_hosts}): round-robin starts each
 * new server connection at the next host; disable starts every one at the same host until that host
 * cannot be reached, then at the one after it. Every connection goes on to the following hosts when
 * its first cannot be reached. Thread-safe: a pool opens servers from every event loop.
 */
final class HostRotation {
    private final AtomicInteger start = new AtomicInteger();

    /** The hosts in the order the next server connection tries them. */
    List<HostPort> nextOrder(ServerHosts hosts) {
        List<HostPort> list = hosts.hosts();
        if (!hosts.isList()) {
            return list;
        }
        int first = hosts.balance() == LoadBalanceHosts.ROUND_ROBIN ? start.getAndIncrement() : start.get();
        int offset = Math.floorMod(first, list.size());
        List<HostPort> order = new ArrayList<>(list.size());
        order.addAll(list.subList(offset, list.size()));
        order.addAll(list.subList(0, offset));
        return order;
    }

    /** {@code host} could not be reached: with disable, if connections start there, they start at the next host now. */
    void unreachable(ServerHosts hosts, HostPort host) {
        if (hosts.balance() != LoadBalanceHosts.DISABLE || !hosts.isList()) {
            return;
        }
        int current = start.get();
        if (hosts.hosts().get(Math.floorMod(current, hosts.hosts().size())).equals(host)) {
            start.compareAndSet(current, current + 1);
        }
    }
}
