package io.pgmux.bench.scenario;

/** What a scenario measures, which decides how the runner drives it and how the report shows it. */
public enum Kind {
    /** Clients run transactions back to back (or at a rate): tps and latency. */
    THROUGHPUT,
    /** Clients connect, run one query, then stay idle: the target's resident memory. */
    IDLE,
    /** All clients connect at once: time until every one is ready, and errors. */
    STORM
}
