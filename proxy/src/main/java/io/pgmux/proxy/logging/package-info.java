/**
 * Log output: the JSON-lines encoder and the log settings a reload applies. Uses {@code config} and
 * {@code util}.
 */
package io.pgmux.proxy.logging;
