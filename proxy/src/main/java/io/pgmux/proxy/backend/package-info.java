/**
 * One connection to a Postgres server: connect, log in ({@code ServerLogin}), hand frames to its
 * holder, send cancel requests. Reports to a {@code ServerLifecycle} and is opened through a
 * {@code ServerOpener}; imports nothing from {@code pool} or {@code client} (uses {@code net},
 * {@code config}, {@code prepared}).
 */
package io.pgmux.proxy.backend;
