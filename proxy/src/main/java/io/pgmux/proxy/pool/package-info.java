/**
 * Pools, one per (database, server user): the pool's state machine ({@code Pool}) and, each in a
 * class of its own and guarded by the pool's one lock, its parts: the server lists and their states
 * ({@code ServerPhase}, {@code ServerLists}), the wait queue ({@code WaitQueue}, a {@code WaitLine}
 * like the one of replication clients), replication clients' own servers ({@code DedicatedServers}),
 * retiring servers ({@code ServerRetirement}), failing logins and the waits between them
 * ({@code LoginFailures}, {@code LoginRetry}), who uses
 * the pool ({@code PoolUse}) and the admin waits on it ({@code AdminWaits}); constant-stack
 * hand-overs ({@code HandOvers}), statistics, and the registry that makes pools
 * only for logged-in clients and removes unused ones. Shared by all event loops under one lock per pool. Uses {@code backend} (through {@code ServerOpener} and
 * {@code ServerLifecycle}), {@code prepared} and {@code config}; never {@code client}.
 */
package io.pgmux.proxy.pool;
