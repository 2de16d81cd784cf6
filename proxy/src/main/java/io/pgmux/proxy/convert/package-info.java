/** {@code pgmux convert-config}: a PgBouncer configuration (ini file and auth file) as a pgmux.yaml. */
package io.pgmux.proxy.convert;
