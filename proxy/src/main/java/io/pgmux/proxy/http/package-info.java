/**
 * The HTTP endpoint: {@code /metrics}, {@code /healthz}, {@code /readyz}. Reads {@code metrics},
 * {@code pool} and {@code config}; nothing below it uses it.
 */
package io.pgmux.proxy.http;
