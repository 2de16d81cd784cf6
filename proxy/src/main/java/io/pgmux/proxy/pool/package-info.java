/**
 * Pools, one per (database, server user): the server lists and their states ({@code ServerPhase},
 * {@code ServerLists}), the wait queue, constant-stack hand-overs ({@code HandOvers}), the waits
 * between failed server logins ({@code LoginRetry}), statistics, and the registry that makes pools
 * only for logged-in clients and removes unused ones. Shared by all event loops under one lock per pool. Uses {@code backend} (through {@code ServerOpener} and
 * {@code ServerLifecycle}), {@code prepared} and {@code config}; never {@code client}.
 */
package io.pgmux.proxy.pool;
