package io.pgmux.proxy.metrics;

import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.internal.PlatformDependent;
import io.pgmux.proxy.admin.Control;
import io.pgmux.proxy.peer.Peer;
import io.pgmux.proxy.peer.PeerBudget;
import io.pgmux.proxy.peer.PeerCancels;
import io.pgmux.proxy.peer.PeerDirectory;
import io.pgmux.proxy.pool.PoolRegistry;
import io.pgmux.proxy.pool.LatencyWindow;
import io.pgmux.proxy.pool.Pool;
import io.pgmux.proxy.pool.PoolCounts;
import io.pgmux.proxy.pool.PoolStats;
import io.pgmux.proxy.sql.SessionFeature;
import io.pgmux.proxy.tls.HandshakeCounts;
import io.pgmux.proxy.util.PgmuxVersion;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.lang.management.OperatingSystemMXBean;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * {@code /metrics}: every pool's clients, servers, counters, errors and latency histograms, and the
 * process's connections, memory and event-loop lag, in Prometheus' text format. Names follow
 * Prometheus' conventions: {@code pgmux_} prefix, base units (seconds, bytes), {@code _total} for
 * counters. Pools are labelled {@code database} and {@code user} (the server user).
 */
public final class Metrics {
    private static final String[] QUANTILES = {"0.5", "0.9", "0.99", "0.999", "1"};

    /** Counts kept by the server itself. */
    public record ServerCounters(long reloadsOk, long reloadsFailed, long lastReloadEpochSeconds, boolean ready,
                                 HandshakeCounts<?> serverTls) {}

    private Metrics() {
    }

    public static String render(Control control, long[] loopLagNanos, ServerCounters counters) {
        PrometheusText out = new PrometheusText();
        List<Pool> pools = new ArrayList<>(control.pools().all());
        pools.sort(Comparator.comparing((Pool p) -> p.key().database()).thenComparing(p -> p.key().user()));
        List<PoolCounts> counts = pools.stream().map(Pool::counts).toList();
        long now = System.nanoTime();

        out.family("pgmux_pool_clients", "gauge", "Clients logged in to the pool: active (holding a server or idle) or waiting for a server.");
        for (int i = 0; i < pools.size(); i++) {
            PoolCounts c = counts.get(i);
            out.sample("pgmux_pool_clients", c.clients() - c.waiting(), labels(pools.get(i), "state", "active"));
            out.sample("pgmux_pool_clients", c.waiting(), labels(pools.get(i), "state", "waiting"));
        }
        out.family("pgmux_pool_client_maxwait_seconds", "gauge", "How long the oldest waiting client has waited.");
        for (int i = 0; i < pools.size(); i++) {
            out.sample("pgmux_pool_client_maxwait_seconds", counts.get(i).oldestWaitNanos() / 1e9, labels(pools.get(i)));
        }
        out.family("pgmux_pool_servers", "gauge", "Server connections: active (held by a client), idle, used (always 0:"
                + " pgmux has no server_check_query), connecting (logging in).");
        for (int i = 0; i < pools.size(); i++) {
            PoolCounts c = counts.get(i);
            Pool pool = pools.get(i);
            out.sample("pgmux_pool_servers", c.activeServers(), labels(pool, "state", "active"));
            out.sample("pgmux_pool_servers", c.idleServers(), labels(pool, "state", "idle"));
            out.sample("pgmux_pool_servers", 0, labels(pool, "state", "used"));
            out.sample("pgmux_pool_servers", c.connectingServers(), labels(pool, "state", "connecting"));
        }
        out.family("pgmux_pool_size", "gauge", "The most server connections the pool may open (pool_size).");
        pools.forEach(pool -> out.sample("pgmux_pool_size", pool.settings().poolSize(), labels(pool)));
        out.family("pgmux_pool_pinned_servers", "gauge", "Servers kept by clients pinned to them by session features"
                + " (LISTEN, advisory locks, temp tables, WITH HOLD cursors, LOAD) under transaction pooling.");
        pools.forEach(pool -> out.sample("pgmux_pool_pinned_servers", pool.pinnedServers().count(), labels(pool)));
        out.family("pgmux_pool_pins_total", "counter", "Times a client was pinned to its server, by each session feature"
                + " among the reasons (a pin for LISTEN and an advisory lock counts in both).");
        pools.forEach(pool -> {
            for (SessionFeature feature : SessionFeature.values()) {
                out.sample("pgmux_pool_pins_total", pool.pinnedServers().pinsBy(feature), labels(pool, "feature", feature.shownName()));
            }
        });
        out.family("pgmux_pool_paused", "gauge", "1 while the pool is paused (PAUSE, KILL), else 0.");
        for (int i = 0; i < pools.size(); i++) {
            out.sample("pgmux_pool_paused", counts.get(i).paused() ? 1 : 0, labels(pools.get(i)));
        }

        counter(out, pools, "pgmux_pool_transactions_total", "Transactions: server leases that ended (one per session in session mode).",
                PoolStats::transactions);
        counter(out, pools, "pgmux_pool_queries_total", "Queries: Query messages and extended-protocol batches up to their Sync.",
                PoolStats::queries);
        counter(out, pools, "pgmux_pool_server_assignments_total", "Times a server was handed to a client.",
                PoolStats::serverAssignments);
        counter(out, pools, "pgmux_pool_received_bytes_total", "Bytes received from clients and forwarded to servers.",
                PoolStats::bytesReceived);
        counter(out, pools, "pgmux_pool_sent_bytes_total", "Bytes sent to clients from servers.", PoolStats::bytesSent);
        counter(out, pools, "pgmux_pool_client_parses_total", "Named prepared statements created by clients (their Parse"
                + " messages pgmux accepted; PgBouncer's client_parse_count).", PoolStats::clientParses);
        counter(out, pools, "pgmux_pool_server_parses_total", "Parse messages of named prepared statements sent to servers:"
                + " clients' own, and those pgmux sends to prepare a statement on a server that lacks it"
                + " (PgBouncer's server_parse_count).", PoolStats::serverParses);
        counter(out, pools, "pgmux_pool_binds_total", "Bind messages of named prepared statements sent to servers"
                + " (PgBouncer's bind_count).", PoolStats::binds);

        out.family("pgmux_pool_errors_total", "counter", "Errors sent to clients (from servers or pgmux), by SQLSTATE class.");
        for (Pool pool : pools) {
            for (Map.Entry<String, Long> e : pool.stats().errorCounts().entrySet()) {
                out.sample("pgmux_pool_errors_total", e.getValue(), labels(pool, "class", e.getKey()));
            }
        }

        histogram(out, pools, now, "pgmux_pool_wait_seconds", "How long clients waited for a server.",
                s -> s.waitTimes(), PoolStats::totalWaitMicros);
        histogram(out, pools, now, "pgmux_pool_transaction_seconds", "How long clients held a server (transaction time).",
                s -> s.transactionTimes(), PoolStats::totalTransactionMicros);
        histogram(out, pools, now, "pgmux_pool_query_seconds", "Query time: from a Query or Sync to its ReadyForQuery.",
                s -> s.queryTimes(), PoolStats::totalQueryMicros);

        out.family("pgmux_pool_latency_window_seconds", "gauge", "Percentiles over the last stats_period (sliding window):"
                + " kind wait, transaction or query; quantile 1 is the maximum.");
        for (Pool pool : pools) {
            window(out, pool, "wait", pool.stats().waitTimes().snapshot(now));
            window(out, pool, "transaction", pool.stats().transactionTimes().snapshot(now));
            window(out, pool, "query", pool.stats().queryTimes().snapshot(now));
        }

        process(out, control, loopLagNanos, counters);
        return out.toString();
    }

    private static void process(PrometheusText out, Control control, long[] loopLagNanos, ServerCounters counters) {
        out.family("pgmux_info", "gauge", "Always 1; the version is in the label.");
        out.sample("pgmux_info", 1, "version", PgmuxVersion.current());
        out.family("pgmux_ready", "gauge", "1 while pgmux accepts clients (what /readyz reports), else 0.");
        out.sample("pgmux_ready", counters.ready() ? 1 : 0);
        out.family("pgmux_client_connections", "gauge", "Client connections open now, in any state (admin console included).");
        out.sample("pgmux_client_connections", control.sessions().connectedCount());
        out.family("pgmux_client_connections_max", "gauge", "max_client_connections.");
        out.sample("pgmux_client_connections_max", control.config().maxClientConnections());
        out.family("pgmux_client_logins_pending", "gauge", "Client connections that have not finished logging in"
                + " (counted against max_pending_logins).");
        out.sample("pgmux_client_logins_pending", control.sessions().loggingInCount());
        out.family("pgmux_client_connections_refused_total", "counter", "Client connections refused by"
                + " max_pending_logins, max_client_connections or admin_reserved_connections.");
        out.sample("pgmux_client_connections_refused_total", control.sessions().refusedCount());
        HandshakeCounts<?> tls = control.sessions().tlsHandshakes();
        out.family("pgmux_client_tls_handshakes_total", "counter", "TLS handshakes of client connections: successes,"
                + " and failures by reason (timeout, not_tls, certificate, no_alpn, plaintext_after_sslrequest, closed, protocol).");
        out.sample("pgmux_client_tls_handshakes_total", tls.succeededCount(), "result", "success", "reason", "");
        tls.failedCounts().forEach((reason, count) ->
                out.sample("pgmux_client_tls_handshakes_total", count, "result", "failure", "reason", reason));
        out.family("pgmux_client_login_failures_total", "counter", "Logins that failed authentication (wrong password,"
                + " unknown user, refused by an HBA rule); each further one from the same address waits longer for its error.");
        out.sample("pgmux_client_login_failures_total", control.sessions().failedLogins().total());
        peers(out, control.peerCancels());
        peerBudget(out, control.peerBudget(), control.pools());
        out.family("pgmux_pools", "gauge", "Pools (database, user pairs) in use.");
        out.sample("pgmux_pools", control.pools().all().size());
        out.family("pgmux_config_reloads_total", "counter", "RELOAD commands and SIGHUPs, by result.");
        out.sample("pgmux_config_reloads_total", counters.reloadsOk(), "result", "success");
        out.sample("pgmux_config_reloads_total", counters.reloadsFailed(), "result", "failure");
        out.family("pgmux_config_last_reload_success_timestamp_seconds", "gauge", "When the config was last loaded (start or reload).");
        out.sample("pgmux_config_last_reload_success_timestamp_seconds", counters.lastReloadEpochSeconds());
        out.family("pgmux_server_tls_handshakes_total", "counter", "TLS handshakes with Postgres that completed (server_tls).");
        out.sample("pgmux_server_tls_handshakes_total", counters.serverTls().succeededCount());
        out.family("pgmux_server_tls_failures_total", "counter", "TLS to Postgres that failed, by reason: not_supported"
                + " (the server said 'N' where TLS is required), untrusted_certificate, expired_certificate,"
                + " host_name_mismatch, timeout, handshake (anything else).");
        counters.serverTls().failedCounts().forEach((reason, count) ->
                out.sample("pgmux_server_tls_failures_total", count, "reason", reason));
        out.family("pgmux_event_loop_lag_seconds", "gauge", "How late each event loop last ran a task due on it (probed every second).");
        for (int i = 0; i < loopLagNanos.length; i++) {
            out.sample("pgmux_event_loop_lag_seconds", loopLagNanos[i] / 1e9, "loop", Integer.toString(i));
        }

        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        MemoryUsage heap = memory.getHeapMemoryUsage();
        MemoryUsage nonHeap = memory.getNonHeapMemoryUsage();
        out.family("pgmux_jvm_memory_used_bytes", "gauge", "JVM memory in use, by area.");
        out.sample("pgmux_jvm_memory_used_bytes", heap.getUsed(), "area", "heap");
        out.sample("pgmux_jvm_memory_used_bytes", nonHeap.getUsed(), "area", "nonheap");
        out.family("pgmux_jvm_memory_committed_bytes", "gauge", "JVM memory committed, by area.");
        out.sample("pgmux_jvm_memory_committed_bytes", heap.getCommitted(), "area", "heap");
        out.sample("pgmux_jvm_memory_committed_bytes", nonHeap.getCommitted(), "area", "nonheap");
        out.family("pgmux_jvm_memory_max_bytes", "gauge", "Most JVM heap memory available (-Xmx).");
        out.sample("pgmux_jvm_memory_max_bytes", heap.getMax(), "area", "heap");
        out.family("pgmux_jvm_heap_after_gc_bytes", "gauge",
                "Heap in use right after the last garbage collection: what pgmux keeps, without the garbage not yet collected.");
        out.sample("pgmux_jvm_heap_after_gc_bytes", heapAfterLastCollection());
        out.family("pgmux_netty_direct_memory_used_bytes", "gauge", "Direct (off-heap) memory used by Netty's buffers.");
        out.sample("pgmux_netty_direct_memory_used_bytes", nettyDirectMemory());

        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        out.family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");
        out.sample("process_start_time_seconds", control.startedAtMillis() / 1000.0);
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            out.family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
            out.sample("process_cpu_seconds_total", sun.getProcessCpuTime() / 1e9);
        }
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            out.family("process_open_fds", "gauge", "Number of open file descriptors.");
            out.sample("process_open_fds", unix.getOpenFileDescriptorCount());
            out.family("process_max_fds", "gauge", "Maximum number of open file descriptors.");
            out.sample("process_max_fds", unix.getMaxFileDescriptorCount());
        }
    }

    /** The heap pools' use as the last collection of each left it (0 before any collection). */
    private static long heapAfterLastCollection() {
        long used = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            MemoryUsage afterGc = pool.getType() == MemoryType.HEAP ? pool.getCollectionUsage() : null;
            if (afterGc != null) {
                used += afterGc.getUsed();
            }
        }
        return used;
    }

    private static long nettyDirectMemory() {
        long used = PlatformDependent.usedDirectMemory();
        if (used >= 0) {
            return used;
        }
        return ((ByteBufAllocatorMetricProvider) PooledByteBufAllocator.DEFAULT).metric().usedDirectMemory();
    }

    private interface Counter {
        long read(PoolStats stats);
    }

    private interface Window {
        LatencyWindow of(PoolStats stats);
    }

    /** The peer replicas and the cancels routed among them; nothing for a lone pgmux. */
    private static void peers(PrometheusText out, PeerCancels cancels) {
        if (!cancels.enabled()) {
            return;
        }
        PeerDirectory directory = cancels.directory();
        out.family("pgmux_peer_id", "gauge", "This replica's peer_id (in the cancel keys it hands out).");
        out.sample("pgmux_peer_id", directory.ownId());
        out.family("pgmux_peers", "gauge", "Peer replicas known now (peers, names looked up every peer_refresh).");
        out.sample("pgmux_peers", directory.current().peers().size());
        out.family("pgmux_peer_cancels_total", "counter", "Cancel requests whose key is not a client here or came from a peer,"
                + " by outcome: forwarded (to the peer the key names), received_forwarded (from a peer, for a client here),"
                + " not_forwarded_again (from a peer, for no client here), no_such_peer (the key names no current peer).");
        for (PeerCancels.Outcome outcome : PeerCancels.Outcome.values()) {
            out.sample("pgmux_peer_cancels_total", cancels.count(outcome), "outcome", outcome.label());
        }
        out.family("pgmux_peer_cancels_forwarded_total", "counter", "Cancel requests forwarded to each peer.");
        for (Peer peer : directory.current().peers()) {
            out.sample("pgmux_peer_cancels_forwarded_total", cancels.forwardedTo(peer.id()), "peer_id",
                    Integer.toString(peer.id()), "host", peer.host(), "port", Integer.toString(peer.port()));
        }
    }

    /** This replica's share of each database's max_db_connections among the live peers; nothing for a lone pgmux. */
    private static void peerBudget(PrometheusText out, PeerBudget budget, PoolRegistry pools) {
        if (budget == null) {
            return;
        }
        out.family("pgmux_peer_live", "gauge", "Replicas sharing the server budget now: this one and the peers that"
                + " answered within the detection window.");
        out.sample("pgmux_peer_live", budget.live().size());
        out.family("pgmux_peer_share", "gauge", "This replica's share of max_db_connections, by database with pools"
                + " (0 until the live peers agree on a split).");
        for (String database : pools.databasesWithPools()) {
            int limit = pools.databaseLimit(database);
            if (limit > 0) {
                out.sample("pgmux_peer_share", budget.shareOf(limit), "database", database);
            }
        }
    }

    private static void counter(PrometheusText out, List<Pool> pools, String name, String help, Counter counter) {
        out.family(name, "counter", help);
        pools.forEach(pool -> out.sample(name, counter.read(pool.stats()), labels(pool)));
    }

    private static void histogram(PrometheusText out, List<Pool> pools, long now, String name, String help, Window window,
                                  Counter sumMicros) {
        out.family(name, "histogram", help);
        for (Pool pool : pools) {
            LatencyWindow.Snapshot s = window.of(pool.stats()).snapshot(now);
            long[] bounds = LatencyWindow.BUCKET_BOUNDS_MICROS;
            for (int i = 0; i < bounds.length; i++) {
                out.sample(name + "_bucket", s.cumulativeBuckets()[i], labels(pool, "le", PrometheusText.format(bounds[i] / 1e6)));
            }
            out.sample(name + "_bucket", s.totalCount(), labels(pool, "le", "+Inf"));
            out.sample(name + "_sum", sumMicros.read(pool.stats()) / 1e6, labels(pool));
            out.sample(name + "_count", s.totalCount(), labels(pool));
        }
    }

    private static void window(PrometheusText out, Pool pool, String kind, LatencyWindow.Snapshot s) {
        long[] values = {s.p50(), s.p90(), s.p99(), s.p999(), s.max()};
        for (int i = 0; i < QUANTILES.length; i++) {
            out.sample("pgmux_pool_latency_window_seconds", values[i] / 1e6, labels(pool, "kind", kind, "quantile", QUANTILES[i]));
        }
    }

    private static String[] labels(Pool pool, String... more) {
        String[] labels = new String[4 + more.length];
        labels[0] = "database";
        labels[1] = pool.key().database();
        labels[2] = "user";
        labels[3] = pool.key().user();
        System.arraycopy(more, 0, labels, 4, more.length);
        return labels;
    }
}
