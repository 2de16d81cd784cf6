package io.pgmux.proxy.pool;

import io.pgmux.proxy.backend.ServerConnection;

/**
 * A server connection as its pool sees it, for SHOW SERVERS: {@code state} is {@code active} (held by
 * a client), {@code idle} or {@code new} (logging in); {@code closeNeeded} when RECONNECT or a reload
 * changed the upstream since it was opened, so it closes when next released.
 */
public record ServerState(ServerConnection server, String state, boolean closeNeeded) {}
