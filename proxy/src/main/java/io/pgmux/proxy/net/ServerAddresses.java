package io.pgmux.proxy.net;

import io.netty.util.NetUtil;
import io.pgmux.proxy.config.HostPort;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The addresses of server hosts, as PgBouncer keeps them: a host name's addresses are used for
 * {@code dns_max_ttl} after they were looked up, then looked up again when the next server
 * connection needs them (0 = every time). One lookup per name at a time: connections that need a
 * name being looked up wait for that lookup. IP literals need none. A failed lookup is not kept.
 *
 * <p>Lookups run on the {@link HostLookup} given (the system's, on a small thread pool of their own),
 * never on an event loop. Thread-safe; the entries are one per host name in the config.
 */
public final class ServerAddresses {
    private final HostLookup lookup;
    private final LongSupplier clock;
    private final Supplier<Duration> maxTtl;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    /**
     * A host name in the cache, as SHOW DNS_HOSTS lists it: the seconds until it is looked up again
     * (0 while a lookup runs or once expired) and its addresses (none while a lookup runs).
     */
    public record CachedName(String hostname, long ttlSeconds, List<InetAddress> addresses) {}

    /** A lookup and when it began; its addresses are good until {@code startedNanos} + the TTL once it has completed. */
    private record Entry(CompletableFuture<List<InetAddress>> addresses, long startedNanos) {}

    /** {@code maxTtl} is read at each use, so that a reload of {@code dns_max_ttl} applies at once. */
    public ServerAddresses(HostLookup lookup, LongSupplier clock, Supplier<Duration> maxTtl) {
        this.lookup = lookup;
        this.clock = clock;
        this.maxTtl = maxTtl;
    }

    /** Every address of {@code server}, in the order to try them; completes on the lookup's thread or at once. */
    public CompletableFuture<List<InetSocketAddress>> resolve(HostPort server) {
        byte[] literal = NetUtil.createByteArrayFromIpAddressString(server.host());
        if (literal != null) {
            try {
                return CompletableFuture.completedFuture(List.of(new InetSocketAddress(InetAddress.getByAddress(literal), server.port())));
            } catch (UnknownHostException impossible) {
                return CompletableFuture.failedFuture(impossible);
            }
        }
        return addressesOf(server.host()).thenApply(addresses ->
                addresses.stream().map(address -> new InetSocketAddress(address, server.port())).toList());
    }

    /** The names looked up and not failed, sorted. */
    public List<CachedName> cached() {
        long now = clock.getAsLong();
        long ttl = maxTtl.get().toNanos();
        List<CachedName> names = new ArrayList<>();
        entries.forEach((host, entry) -> {
            CompletableFuture<List<InetAddress>> addresses = entry.addresses();
            if (!addresses.isDone()) {
                names.add(new CachedName(host, 0, List.of()));
            } else if (!addresses.isCompletedExceptionally()) {
                long left = Math.max(0, entry.startedNanos() + ttl - now) / 1_000_000_000L;
                names.add(new CachedName(host, left, addresses.join()));
            }
        });
        names.sort(Comparator.comparing(CachedName::hostname));
        return names;
    }

    private CompletableFuture<List<InetAddress>> addressesOf(String host) {
        long now = clock.getAsLong();
        long ttl = maxTtl.get().toNanos();
        Entry entry = entries.compute(host, (name, old) -> old != null && isUsable(old, now, ttl) ? old : lookUp(name, now));
        return entry.addresses();
    }

    /** A lookup under way is waited for; a finished one is used within the TTL; a failed one is never reused. */
    private static boolean isUsable(Entry entry, long now, long ttl) {
        CompletableFuture<List<InetAddress>> addresses = entry.addresses();
        if (!addresses.isDone()) {
            return true;
        }
        return !addresses.isCompletedExceptionally() && now - entry.startedNanos() < ttl;
    }

    private Entry lookUp(String host, long now) {
        CompletableFuture<List<InetAddress>> addresses;
        try {
            addresses = lookup.lookUp(host);
        } catch (RuntimeException e) {
            addresses = CompletableFuture.failedFuture(e);
        }
        return new Entry(addresses.thenApply(List::copyOf), now);
    }
}
