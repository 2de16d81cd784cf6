/**
 * Bookkeeping of named prepared statements: per client ({@code ClientStatements}), per server
 * ({@code ServerStatements}, a bounded LRU) and per pool ({@code StatementRegistry}), keyed by content.
 * Uses nothing of pgmux.
 */
package io.pgmux.proxy.prepared;
