/**
 * The YAML config: one table of keys ({@code ConfigKeys}, each a {@code ConfigKey}: name, reader,
 * default, reload rule, SHOW CONFIG form), the loader, the {@code PGMUX_} environment variables that
 * set keys ({@code ConfigEnvironment}, named from the same table), and the typed result
 * ({@code PgmuxConfig} and its records). Uses nothing of pgmux but {@code util}.
 */
package io.pgmux.proxy.config;
