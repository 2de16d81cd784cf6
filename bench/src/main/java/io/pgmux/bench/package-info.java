/** Load generator and comparison runner; filled by the benchmark issue. */
package io.pgmux.bench;
