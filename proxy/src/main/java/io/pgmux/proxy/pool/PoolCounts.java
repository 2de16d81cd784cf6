package io.pgmux.proxy.pool;

/** How many clients wait and how many servers are idle, held by a client, or logging in. */
public record PoolCounts(int waiting, int idleServers, int activeServers, int connectingServers) {}
