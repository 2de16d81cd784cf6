/**
 * Small helpers with no home of their own: shortening client text for errors and logs, JSON string
 * quoting, the version. Uses nothing of pgmux.
 */
package io.pgmux.proxy.util;
