package io.pgmux.proxy.peer;

import io.pgmux.proxy.config.PeerEntry;
import io.pgmux.proxy.config.PeersConfig;
import io.pgmux.proxy.net.HostLookup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The current {@link PeerSet}: the names of {@code peers} (not their Unix socket directories, which
 * need no lookup) are looked up every {@code peer_refresh}
 * through {@link HostLookup} (on the resolver threads, each lookup bounded), and the set is made
 * and published on the background thread. Event loops only read {@link #current()}.
 *
 * <p>A name that cannot be looked up keeps the addresses it had (a DNS outage does not drop every
 * peer); a listed replica never found stays in the set unresolved, and nothing is sent to it.
 * A reload's {@code peers} and {@code peer_refresh} apply from the next lookup.
 */
public final class PeerDirectory {
    private static final Logger log = LoggerFactory.getLogger(PeerDirectory.class);
    /** The longest a lookup may take before its name keeps its last addresses. */
    static final long LOOKUP_TIMEOUT_MILLIS = 5_000;

    private final int ownId;
    private final Supplier<PeersConfig> config;
    private final HostLookup lookup;
    private final ScheduledExecutorService background;
    /** The last addresses each name had; read and written on the background thread only. */
    private final Map<String, List<InetAddress>> lastFound = new ConcurrentHashMap<>();
    private volatile PeerSet current = PeerSet.EMPTY;
    private volatile boolean stopped;

    /** {@code ownId}: this replica's peer id, {@code auto} resolved. */
    public PeerDirectory(int ownId, Supplier<PeersConfig> config, HostLookup lookup, ScheduledExecutorService background) {
        this.ownId = ownId;
        this.config = config;
        this.lookup = lookup;
        this.background = background;
    }

    /** This replica's id in its cancel keys; 0 = peering off. */
    public int ownId() {
        return ownId;
    }

    /** The peers now. */
    public PeerSet current() {
        return current;
    }

    /** Looks the names up now, then every {@code peer_refresh} until {@link #stop}. */
    public void start() {
        background.execute(this::refreshAndReschedule);
    }

    public void stop() {
        stopped = true;
    }

    private void refreshAndReschedule() {
        if (stopped) {
            return;
        }
        refresh().whenComplete((set, failure) -> {
            if (failure != null) {
                log.warn("looking up the peers failed: {}", failure.toString());
            }
            if (!stopped) {
                background.schedule(this::refreshAndReschedule, config.get().refresh().toMillis(), TimeUnit.MILLISECONDS);
            }
        });
    }

    /** One lookup of every name; completes on the background thread with the set it published. */
    CompletableFuture<PeerSet> refresh() {
        List<PeerEntry> entries = config.get().entries();
        Set<String> names = new LinkedHashSet<>();
        entries.stream().filter(entry -> !entry.isUnixSocket()).forEach(entry -> names.add(entry.host()));
        List<CompletableFuture<Void>> lookups = new ArrayList<>();
        Map<String, List<InetAddress>> found = new ConcurrentHashMap<>();
        for (String name : names) {
            lookups.add(lookup.lookUp(name)
                    .orTimeout(LOOKUP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                    .handle((addresses, failure) -> {
                        if (failure == null) {
                            found.put(name, List.copyOf(addresses));
                        } else {
                            log.warn("peer name {} could not be looked up ({}); its last addresses are kept: {}", name,
                                    failure instanceof java.util.concurrent.TimeoutException
                                            ? "no answer within " + LOOKUP_TIMEOUT_MILLIS + " ms" : rootMessage(failure),
                                    lastFound.getOrDefault(name, List.of()));
                        }
                        return null;
                    }));
        }
        return CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new))
                .thenApplyAsync(done -> publish(entries, names, found), background);
    }

    private PeerSet publish(List<PeerEntry> entries, Set<String> names, Map<String, List<InetAddress>> found) {
        lastFound.putAll(found);
        lastFound.keySet().retainAll(names);
        PeerSet next = PeerSet.of(ownId, entries, new HashMap<>(lastFound));
        PeerSet before = current;
        if (!next.equals(before)) {
            log.info("peers now: {} (this replica is peer {})", next, ownId);
            if (!next.ambiguous().isEmpty() && !next.ambiguous().equals(before.ambiguous())) {
                log.warn("peer ids {} are claimed by more than one address: cancels for them are not forwarded; "
                        + "give these replicas explicit peer ids", next.ambiguous());
            }
        }
        current = next;
        return next;
    }

    private static String rootMessage(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.toString();
    }
}
