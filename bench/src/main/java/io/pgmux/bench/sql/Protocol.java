package io.pgmux.bench.sql;

import java.util.Locale;

/** How statements are sent, as pgbench's {@code -M}. */
public enum Protocol {
    /** One {@code Query} message, parameters written into the SQL as literals. */
    SIMPLE,
    /** Unnamed statement each time: Parse, Bind, Describe portal, Execute, Sync. */
    EXTENDED,
    /** Named statement parsed once per connection, then Bind, Execute, Sync. */
    PREPARED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Protocol parse(String text) {
        for (Protocol protocol : values()) {
            if (protocol.label().equals(text.toLowerCase(Locale.ROOT))) {
                return protocol;
            }
        }
        throw new IllegalArgumentException("unknown protocol '" + text + "': simple, extended or prepared");
    }
}
