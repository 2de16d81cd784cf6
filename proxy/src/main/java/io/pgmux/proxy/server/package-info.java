/**
 * {@link io.pgmux.proxy.server.PgmuxServer}: the event loops, the client listener, RELOAD and
 * SIGHUP, graceful shutdown, and the wiring of pools, sessions, admin, metrics and HTTP. Used only by
 * {@code cli}.
 */
package io.pgmux.proxy.server;
