package io.pgmux.bench.scenario;

/** All clients connect at once; time until every one has logged in and run a query. */
public final class Storm implements Scenario {
    @Override
    public String name() {
        return "storm";
    }

    @Override
    public String description() {
        return "N clients connect at the same instant; each is ready once it has logged in and run SELECT 1."
                + " Reports the time until all are ready, the distribution of each client's wait, and errors."
                + " Models a fleet restarting (a deploy, a failover) and reconnecting at once.";
    }

    @Override
    public Kind kind() {
        return Kind.STORM;
    }
}
