package io.pgmux.proxy.pool;

import io.pgmux.proxy.backend.ServerConnection;

/**
 * A server connection as its pool sees it, for SHOW SERVERS: its {@code phase} (logging in, idle or
 * active; closing ones are not listed), and {@code closeNeeded} when RECONNECT or a reload changed
 * the upstream since it was opened, so it closes when next released.
 */
public record ServerState(ServerConnection server, ServerPhase phase, boolean closeNeeded) {}
