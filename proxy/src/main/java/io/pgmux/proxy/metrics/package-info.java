/**
 * Prometheus text for {@code /metrics}, the periodic one-line stats log, event-loop lag. Reads pools
 * and sessions; must not change them.
 */
package io.pgmux.proxy.metrics;
