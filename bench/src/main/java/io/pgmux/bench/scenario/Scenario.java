package io.pgmux.bench.scenario;

import io.pgmux.bench.sql.Protocol;

import java.util.List;

/** A kind of traffic: its schema, what runs before each measurement, and its transactions. */
public interface Scenario {

    String name();

    /** What the scenario models, in a sentence or two (shown by {@code --help} and in the README). */
    String description();

    Kind kind();

    /** Whether {@code --protocol}/the {@code /protocol} suffix means anything for it. */
    default boolean usesProtocol() {
        return kind() == Kind.THROUGHPUT;
    }

    /** Idempotent SQL creating and filling its tables at {@code scale} (simple protocol, in order). */
    default List<String> setUp(int scale) {
        return List.of();
    }

    /** SQL run before each measurement so every target starts alike (e.g. emptying history). */
    default List<String> beforeRun() {
        return List.of();
    }

    /** A new connection's transactions. Only for {@link Kind#THROUGHPUT}. */
    default Transactions newClient(Protocol protocol, int scale) {
        throw new UnsupportedOperationException(name() + " runs no transactions");
    }
}
