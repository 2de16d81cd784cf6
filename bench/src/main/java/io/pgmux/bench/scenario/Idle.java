package io.pgmux.bench.scenario;

/** Connect N clients, run one query each, then keep them idle and read the target's memory. */
public final class Idle implements Scenario {
    @Override
    public String name() {
        return "idle";
    }

    @Override
    public String description() {
        return "N clients connect (a few dozen at a time), each runs SELECT 1 once, then all stay idle for the"
                + " duration: the target's resident memory with them connected, and per client."
                + " Models the thousands of mostly idle connections of a fleet of application servers.";
    }

    @Override
    public Kind kind() {
        return Kind.IDLE;
    }
}
