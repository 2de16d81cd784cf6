/**
 * The command line: the Picocli command ({@code --check}, overrides), {@code main}, and the checks of
 * the JVM pgmux runs in. Starts a {@link io.pgmux.proxy.server.PgmuxServer} through
 * {@code server.ServerLauncher}. May use every other package; none uses it.
 */
package io.pgmux.proxy.cli;
