package io.pgmux.bench.soak;

/**
 * What a soak samples every period, each with the unit its chart and table use. The memory and
 * descriptor gauges must stay flat once warm; the pool and client gauges show the load was there
 * (and the restart in the middle); {@link #TRANSACTIONS_PER_SECOND} is a rate over the last period.
 */
public enum Gauge {
    RSS("resident memory", "MB", 16),
    HEAP_AFTER_GC("heap after GC", "MB", 16),
    DIRECT_MEMORY("direct memory", "MB", 16),
    OPEN_FDS("open file descriptors", "fds", 16),
    SERVER_CONNECTIONS("server connections", "connections", Double.NaN),
    CLIENT_CONNECTIONS("client connections", "connections", Double.NaN),
    TRANSACTIONS_PER_SECOND("transactions", "per second", Double.NaN);

    private final String title;
    private final String unit;
    private final double slack;

    Gauge(String title, String unit, double slack) {
        this.title = title;
        this.unit = unit;
        this.slack = slack;
    }

    public String title() {
        return title;
    }

    public String unit() {
        return unit;
    }

    /** Whether it must stay flat after warm-up (memory, descriptors), rather than show the load. */
    public boolean mustStayFlat() {
        return !Double.isNaN(slack);
    }

    /**
     * Growth in {@link #unit()} that does not count against flatness whatever its share: a few MB of
     * a small heap, a few descriptors of connections that happen to be open.
     */
    public double slack() {
        return slack;
    }
}
