package io.pgmux.bench.scenario;

import io.pgmux.bench.sql.Protocol;
import io.pgmux.bench.sql.Sql;

import java.util.List;
import java.util.SplittableRandom;

/**
 * pgbench's built-in "TPC-B (sort of)": seven round trips that update an account, a teller and a
 * branch, read the account back and append to the history. Same tables and scale as
 * {@code pgbench -i -s SCALE}, so an existing pgbench database serves.
 */
public final class TpcB implements Scenario {
    private static final int ACCOUNTS_PER_SCALE = 100_000;
    private static final int TELLERS_PER_SCALE = 10;

    static final Sql BEGIN = new Sql("pgmux_bench_begin", "BEGIN");
    static final Sql END = new Sql("pgmux_bench_end", "END");
    static final Sql UPDATE_ACCOUNT = new Sql("pgmux_bench_tpcb_1",
            "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2");
    static final Sql SELECT_ACCOUNT = new Sql("pgmux_bench_tpcb_2",
            "SELECT abalance FROM pgbench_accounts WHERE aid = $1");
    static final Sql UPDATE_TELLER = new Sql("pgmux_bench_tpcb_3",
            "UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2");
    static final Sql UPDATE_BRANCH = new Sql("pgmux_bench_tpcb_4",
            "UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2");
    static final Sql INSERT_HISTORY = new Sql("pgmux_bench_tpcb_5",
            "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)");

    @Override
    public String name() {
        return "tpcb";
    }

    @Override
    public String description() {
        return "pgbench's TPC-B-like read-write transaction (BEGIN; update an account, read it, update a teller"
                + " and a branch, insert a history row; END), one round trip per statement, on pgbench's tables"
                + " at --scale (default 10: 1,000,000 accounts, 10 branches).";
    }

    @Override
    public Kind kind() {
        return Kind.THROUGHPUT;
    }

    @Override
    public List<String> setUp(int scale) {
        return List.of(
                "CREATE TABLE IF NOT EXISTS pgbench_branches (bid int NOT NULL PRIMARY KEY, bbalance int, filler char(88))"
                        + " WITH (fillfactor = 100)",
                "CREATE TABLE IF NOT EXISTS pgbench_tellers (tid int NOT NULL PRIMARY KEY, bid int, tbalance int,"
                        + " filler char(84)) WITH (fillfactor = 100)",
                "CREATE TABLE IF NOT EXISTS pgbench_accounts (aid int NOT NULL PRIMARY KEY, bid int, abalance int,"
                        + " filler char(84)) WITH (fillfactor = 100)",
                "CREATE TABLE IF NOT EXISTS pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp,"
                        + " filler char(22))",
                """
                DO $$
                BEGIN
                  IF (SELECT count(*) FROM pgbench_branches) <> %1$d
                     OR (SELECT count(*) FROM pgbench_accounts) <> %1$d * %2$d THEN
                    TRUNCATE pgbench_branches, pgbench_tellers, pgbench_accounts, pgbench_history;
                    INSERT INTO pgbench_branches (bid, bbalance) SELECT b, 0 FROM generate_series(1, %1$d) b;
                    INSERT INTO pgbench_tellers (tid, bid, tbalance)
                      SELECT t, (t - 1) / %3$d + 1, 0 FROM generate_series(1, %1$d * %3$d) t;
                    INSERT INTO pgbench_accounts (aid, bid, abalance, filler)
                      SELECT a, (a - 1) / %2$d + 1, 0, '' FROM generate_series(1, %1$d * %2$d) a;
                  END IF;
                END
                $$""".formatted(scale, ACCOUNTS_PER_SCALE, TELLERS_PER_SCALE),
                "VACUUM ANALYZE pgbench_branches, pgbench_tellers, pgbench_accounts");
    }

    @Override
    public List<String> beforeRun() {
        return List.of("TRUNCATE pgbench_history", "VACUUM pgbench_branches, pgbench_tellers");
    }

    @Override
    public Transactions newClient(Protocol protocol, int scale) {
        int accounts = scale * ACCOUNTS_PER_SCALE;
        int tellers = scale * TELLERS_PER_SCALE;
        return new ScriptedTransactions(protocol, 7) {
            @Override
            void script(SplittableRandom random) {
                String aid = Integer.toString(random.nextInt(1, accounts + 1));
                String bid = Integer.toString(random.nextInt(1, scale + 1));
                String tid = Integer.toString(random.nextInt(1, tellers + 1));
                String delta = Integer.toString(random.nextInt(-5000, 5001));
                statement(BEGIN);
                statement(UPDATE_ACCOUNT, delta, aid);
                statement(SELECT_ACCOUNT, aid);
                statement(UPDATE_TELLER, delta, tid);
                statement(UPDATE_BRANCH, delta, bid);
                statement(INSERT_HISTORY, tid, bid, aid, delta);
                statement(END);
            }
        };
    }
}
