/**
 * The YAML config: one table of keys ({@code ConfigKeys}, each a {@code ConfigKey}: name, reader,
 * default, reload rule, SHOW CONFIG form), the loader, and the typed result ({@code PgmuxConfig} and
 * its records). Uses nothing of pgmux but {@code util}.
 */
package io.pgmux.proxy.config;
