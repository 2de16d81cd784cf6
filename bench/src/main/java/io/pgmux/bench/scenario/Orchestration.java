package io.pgmux.bench.scenario;

import io.pgmux.bench.sql.Protocol;
import io.pgmux.bench.sql.Sql;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A workflow engine's write-heavy traffic: each transaction starts a workflow run, records its
 * state transitions, moves the run to its current state, writes a batch of 20 log rows and reads
 * the run back. Run ids are made by the client (as engines that use UUIDs or snowflakes do), so no
 * round trip waits on another's result.
 */
public final class Orchestration implements Scenario {
    static final int LOG_BATCH = 20;

    static final Sql INSERT_RUN = new Sql("pgmux_bench_orch_1",
            "INSERT INTO bench_workflow_run (id, workflow, state) VALUES ($1, $2, 'scheduled')");
    static final Sql INSERT_STATES = new Sql("pgmux_bench_orch_2",
            "INSERT INTO bench_workflow_state (run_id, seq, state) VALUES ($1, 1, 'scheduled'), ($1, 2, 'running')");
    static final Sql UPDATE_RUN = new Sql("pgmux_bench_orch_3",
            "UPDATE bench_workflow_run SET state = 'running', updated_at = now() WHERE id = $1");
    static final Sql INSERT_LOGS = new Sql("pgmux_bench_orch_4", logInsert());
    static final Sql READ_BACK = new Sql("pgmux_bench_orch_5",
            "SELECT r.state, r.updated_at, (SELECT count(*) FROM bench_workflow_log l WHERE l.run_id = r.id)"
                    + " FROM bench_workflow_run r WHERE r.id = $1");
    static final Sql COMMIT = new Sql("pgmux_bench_commit", "COMMIT");

    private static final String[] WORKFLOWS = {"order-fulfilment", "invoice", "user-signup", "nightly-report"};

    private static String logInsert() {
        StringBuilder sql = new StringBuilder("INSERT INTO bench_workflow_log (run_id, seq, level, message) VALUES ");
        for (int i = 1; i <= LOG_BATCH; i++) {
            sql.append(i == 1 ? "" : ", ").append("($1, ").append(i).append(", 'info', $").append(i + 1).append(')');
        }
        return sql.toString();
    }

    @Override
    public String name() {
        return "orchestration";
    }

    @Override
    public String description() {
        return "A workflow engine's write-heavy traffic, one short transaction per workflow step: BEGIN; insert a"
                + " run; insert its state rows; update the run's current state; insert a batch of 20 log rows;"
                + " read the run back; COMMIT. Seven round trips, mostly inserts into growing tables.";
    }

    @Override
    public Kind kind() {
        return Kind.THROUGHPUT;
    }

    @Override
    public List<String> setUp(int scale) {
        return List.of(
                "CREATE TABLE IF NOT EXISTS bench_workflow_run (id bigint PRIMARY KEY, workflow text NOT NULL,"
                        + " state text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),"
                        + " updated_at timestamptz NOT NULL DEFAULT now())",
                "CREATE TABLE IF NOT EXISTS bench_workflow_state (run_id bigint NOT NULL, seq int NOT NULL,"
                        + " state text NOT NULL, entered_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (run_id, seq))",
                "CREATE TABLE IF NOT EXISTS bench_workflow_log (run_id bigint NOT NULL, seq int NOT NULL,"
                        + " level text NOT NULL, message text NOT NULL, logged_at timestamptz NOT NULL DEFAULT now(),"
                        + " PRIMARY KEY (run_id, seq))");
    }

    @Override
    public List<String> beforeRun() {
        return List.of("TRUNCATE bench_workflow_run, bench_workflow_state, bench_workflow_log");
    }

    @Override
    public Transactions newClient(Protocol protocol, int scale) {
        return new ScriptedTransactions(protocol, 7) {
            private final String[] logValues = new String[LOG_BATCH + 1];

            @Override
            void script(SplittableRandom random) {
                String run = Long.toString(random.nextLong(1, Long.MAX_VALUE));
                String workflow = WORKFLOWS[random.nextInt(WORKFLOWS.length)];
                statement(TpcB.BEGIN);
                statement(INSERT_RUN, run, workflow);
                statement(INSERT_STATES, run);
                statement(UPDATE_RUN, run);
                logValues[0] = run;
                for (int i = 1; i <= LOG_BATCH; i++) {
                    logValues[i] = "step " + i + " of " + workflow + ": activity completed";
                }
                statement(INSERT_LOGS, logValues);
                statement(READ_BACK, run);
                statement(COMMIT);
            }
        };
    }
}
