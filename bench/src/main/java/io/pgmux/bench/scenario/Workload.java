package io.pgmux.bench.scenario;

import io.pgmux.bench.sql.Protocol;

import java.util.Objects;

/**
 * A scenario at a client count, written {@code SCENARIO[/PROTOCOL]@CLIENTS}: {@code select1/prepared@50},
 * {@code tpcb@50} (simple protocol), {@code idle@10000}.
 */
public record Workload(Scenario scenario, Protocol protocol, int clients) {

    public Workload {
        Objects.requireNonNull(scenario, "scenario");
        Objects.requireNonNull(protocol, "protocol");
        if (clients < 1) {
            throw new IllegalArgumentException("clients must be at least 1, not " + clients);
        }
    }

    public static Workload parse(String spec) {
        int at = spec.lastIndexOf('@');
        if (at < 0) {
            throw new IllegalArgumentException("workload '" + spec + "' has no client count: write SCENARIO[/PROTOCOL]@CLIENTS, e.g. select1/prepared@50");
        }
        String head = spec.substring(0, at);
        int clients;
        try {
            clients = Integer.parseInt(spec.substring(at + 1).replace("_", "").replace(",", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("workload '" + spec + "': '" + spec.substring(at + 1) + "' is not a client count");
        }
        int slash = head.indexOf('/');
        Scenario scenario = Scenarios.byName(slash < 0 ? head : head.substring(0, slash));
        Protocol protocol = slash < 0 ? Protocol.SIMPLE : Protocol.parse(head.substring(slash + 1));
        if (slash >= 0 && !scenario.usesProtocol()) {
            throw new IllegalArgumentException("workload '" + spec + "': " + scenario.name() + " takes no protocol");
        }
        return new Workload(scenario, protocol, clients);
    }

    public Kind kind() {
        return scenario.kind();
    }

    /** The scenario with its protocol, without the client count: {@code select1/simple}, {@code idle}. */
    public String family() {
        return scenario.usesProtocol() ? scenario.name() + "/" + protocol.label() : scenario.name();
    }

    public String label() {
        return family() + "@" + clients;
    }

    @Override
    public String toString() {
        return label();
    }
}
