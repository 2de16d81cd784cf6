package io.pgmux.proxy.admin;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.internal.PlatformDependent;
import io.pgmux.proxy.client.ClientInfo;
import io.pgmux.proxy.net.ServerAddresses;
import io.pgmux.proxy.pool.Pool;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.net.InetAddress;
import java.util.List;

/**
 * The SHOW commands about the pgmux process rather than its pools and connections: SHOW STATE,
 * SHOW MEM, SHOW DNS_HOSTS and SHOW DNS_ZONES, in PgBouncer 1.25's columns.
 */
final class ProcessShows {
    private ProcessShows() {
    }

    /** SHOW STATE: PgBouncer's three states; paused is a PAUSE (or KILL) of every database, not of one. */
    static ResultTable state(Control control) {
        boolean paused = control.pools().isAllPaused();
        boolean suspended = control.isSuspended();
        return ResultTable.of("ss", "key", "value")
                .row("active", !paused && !suspended ? "yes" : "no")
                .row("paused", paused ? "yes" : "no")
                .row("suspended", suspended ? "yes" : "no");
    }

    /**
     * SHOW MEM, in PgBouncer's columns, with pgmux's own rows: memory areas in 1 kB units
     * ({@code size} 1024, {@code used} and {@code free} in kB, {@code memtotal} in bytes, an int8
     * since a JVM's heap passes 2 GB), then counts of the objects pgmux keeps per client, server,
     * pool and prepared statement ({@code size} and {@code memtotal} 0: pgmux does not measure an
     * object's size).
     */
    static ResultTable mem(Control control, List<ClientInfo> clients) {
        ResultTable table = ResultTable.of("siiiq", "name", "size", "used", "free", "memtotal");
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        MemoryUsage nonHeap = ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage();
        memoryRow(table, "jvm_heap", heap.getUsed(), heap.getCommitted());
        memoryRow(table, "jvm_non_heap", nonHeap.getUsed(), nonHeap.getCommitted());
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                memoryRow(table, "jvm_direct_buffers", pool.getMemoryUsed(), pool.getTotalCapacity());
            }
        }
        long nettyDirect = PlatformDependent.usedDirectMemory();
        if (nettyDirect >= 0) {
            memoryRow(table, "netty_direct", nettyDirect, Math.max(nettyDirect, PlatformDependent.maxDirectMemory()));
        }
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider provider) {
            ByteBufAllocatorMetric metric = provider.metric();
            memoryRow(table, "buffer_pool_direct", metric.usedDirectMemory(), metric.usedDirectMemory());
            memoryRow(table, "buffer_pool_heap", metric.usedHeapMemory(), metric.usedHeapMemory());
        }
        int servers = 0;
        int statements = 0;
        for (Pool pool : control.pools().all()) {
            servers += pool.servers().size();
            statements += pool.statements().all().size();
        }
        long logins = clients.stream().filter(c -> c.state().equals("login")).count();
        table.row("clients", 0, clients.size() - logins, 0, 0L);
        table.row("login_clients", 0, logins, 0, 0L);
        table.row("servers", 0, servers, 0, 0L);
        table.row("pools", 0, control.pools().all().size(), 0, 0L);
        table.row("prepared_statements", 0, statements, 0, 0L);
        return table;
    }

    private static void memoryRow(ResultTable table, String name, long usedBytes, long totalBytes) {
        long total = Math.max(usedBytes, totalBytes);
        table.row(name, 1024, kB(usedBytes), kB(total - usedBytes), total);
    }

    private static int kB(long bytes) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(0, bytes) / 1024);
    }

    /** SHOW DNS_HOSTS: the server host names pgmux looked up (IP addresses need none), kept dns_max_ttl. */
    static ResultTable dnsHosts(Control control) {
        ResultTable table = ResultTable.of("sqs", "hostname", "ttl", "addrs");
        for (ServerAddresses.CachedName name : control.serverAddresses().cached()) {
            table.row(name.hostname(), name.ttlSeconds(), String.join(",",
                    name.addresses().stream().map(InetAddress::getHostAddress).toList()));
        }
        return table;
    }

    /** SHOW DNS_ZONES: pgmux does not follow DNS zones (PgBouncer's dns_zone_check_period): always empty. */
    static ResultTable dnsZones() {
        return ResultTable.of("sqi", "zonename", "serial", "count");
    }
}
