package io.pgmux.bench.scenario;

import java.util.List;

/**
 * One of pgbench's built-in scripts, run by the {@code pgbench} binary itself rather than by the
 * harness's clients: the figures a user gets with pgbench, next to the harness's own. On
 * {@link TpcB}'s tables (pgbench's, at {@code --scale}).
 *
 * @param name        the scenario's name, e.g. {@code pgbench-S}
 * @param scriptFlags what selects the script on pgbench's command line, e.g. {@code -S}
 */
public record PgbenchScript(String name, List<String> scriptFlags, String description, boolean writes)
        implements Scenario {
    private static final TpcB TABLES = new TpcB();

    /** {@code pgbench -S}: one primary-key SELECT on pgbench_accounts per transaction. */
    public static final PgbenchScript SELECT_ONLY = new PgbenchScript("pgbench-S", List.of("-S"),
            "pgbench -S (its select-only script: one primary-key SELECT on pgbench_accounts), run by the pgbench"
                    + " binary; tps and latency from pgbench's own output and per-transaction log.", false);

    /** pgbench's default script, TPC-B (sort of). */
    public static final PgbenchScript TPCB_LIKE = new PgbenchScript("pgbench-tpcb", List.of("-b", "tpcb-like"),
            "pgbench's default read-write script (tpcb-like), run by the pgbench binary.", true);

    @Override
    public Kind kind() {
        return Kind.THROUGHPUT;
    }

    @Override
    public List<String> setUp(int scale) {
        return TABLES.setUp(scale);
    }

    @Override
    public List<String> beforeRun() {
        return writes ? TABLES.beforeRun() : List.of();
    }
}
