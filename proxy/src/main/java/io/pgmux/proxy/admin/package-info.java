/**
 * The admin console (databases {@code pgbouncer} and {@code pgmux}): command parsing, SHOW tables in
 * PgBouncer's columns, PAUSE/RESUME/KILL/RELOAD/SHUTDOWN through {@code Control}. Uses {@code pool},
 * {@code client} (sessions to show and kill) and {@code config}. Input from the console is client
 * input: long text is shortened before it reaches an error or a log line.
 */
package io.pgmux.proxy.admin;
