package io.pgmux.proxy.pool;

/**
 * One consistent view of a pool's lists: clients logged in to it ({@code clients}, waiting ones
 * included) and those queued for a server; servers held by a client, idle, logging in, or retired
 * and closing; and how long the oldest waiting client has waited.
 */
public record PoolCounts(int clients, int waiting, int activeServers, int idleServers, int connectingServers,
                         int closingServers, long oldestWaitNanos, boolean paused) {

    /** Servers open or being opened: what counts against pool_size. */
    public int servers() {
        return activeServers + idleServers + connectingServers;
    }
}
