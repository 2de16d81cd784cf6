package io.pgmux.proxy.fuzz;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.proxy.testing.Console;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.testkit.LeakCheck;

import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What must hold once every fuzzed client is gone, whatever they sent:
 * <ol>
 *   <li>pool slots are accounted for: the pool shows no active or waiting client and no active
 *       server, and the servers it counts are the pool user's backends in pg_stat_activity and the
 *       rows of SHOW SERVERS; none of those backends is in a transaction;
 *   <li>pgmux serves fresh clients, and hands them servers that are clean: not in a transaction
 *       (BEGIN gives no 25001 warning) and without a fuzzed client's {@code pgmux.fuzz} setting;
 *   <li>no ERROR log line and no stack trace in the log;
 *   <li>no Netty buffer leaked.
 * </ol>
 */
final class Invariants {
    private static final long SETTLE_MILLIS = 10_000;
    private static final int CLEAN_CLIENTS = 2;

    private final Pgmux pgmux;
    private final FuzzTarget target;
    private final String adminUser;
    private final String adminPassword;
    private final LogCapture log;

    Invariants(Pgmux pgmux, FuzzTarget target, String adminUser, String adminPassword, LogCapture log) {
        this.pgmux = pgmux;
        this.target = target;
        this.adminUser = adminUser;
        this.adminPassword = adminPassword;
        this.log = log;
    }

    /** The invariants that do not hold, in words; empty when all do. */
    List<String> check() {
        List<String> violations = new ArrayList<>();
        try {
            poolSlotsAreAccountedFor(violations);
            freshClientsGetCleanServers(violations);
        } catch (IOException | SQLException | RuntimeException e) {
            violations.add("checking the invariants failed: " + e);
        }
        log.take().forEach(line -> violations.add("log: " + line));
        LeakCheck.collectLeaks().forEach(leak -> violations.add("Netty " + leak));
        return violations;
    }

    private void poolSlotsAreAccountedFor(List<String> violations) throws IOException, SQLException {
        long deadline = System.currentTimeMillis() + SETTLE_MILLIS;
        String last;
        try (RawClient console = RawClient.open(pgmux.host(), pgmux.port()).loginWithPassword("pgbouncer", adminUser, adminPassword);
             Connection direct = TestPostgres.get().connect(TestPostgres.DATABASE, TestPostgres.SUPERUSER, null)) {
            while (true) {
                last = poolSnapshot(console, direct);
                if (last == null) {
                    return;
                }
                if (System.currentTimeMillis() > deadline) {
                    violations.add("pool slots not accounted for " + SETTLE_MILLIS / 1000 + " s after every client left: " + last);
                    return;
                }
                sleep(100);
            }
        }
    }

    /** Null when the pool is settled and agrees with Postgres; else what is wrong. */
    private String poolSnapshot(RawClient console, Connection direct) throws IOException, SQLException {
        List<Map<String, String>> pools = Console.show(console, "SHOW POOLS")
                .maps(row -> target.database().equals(row.get("database")) && target.user().equals(row.get("user")));
        List<Map<String, String>> servers = Console.show(console, "SHOW SERVERS")
                .maps(row -> target.database().equals(row.get("database")) && target.user().equals(row.get("user")));
        int backends = count(direct, "");
        int inTransaction = count(direct, " AND state LIKE 'idle in transaction%'");
        int active = 0;
        int waiting = 0;
        int activeServers = 0;
        int counted = 0;
        for (Map<String, String> pool : pools) {
            active += Integer.parseInt(pool.get("cl_active"));
            waiting += Integer.parseInt(pool.get("cl_waiting"));
            activeServers += Integer.parseInt(pool.get("sv_active"));
            counted += Integer.parseInt(pool.get("sv_active")) + Integer.parseInt(pool.get("sv_idle"))
                    + Integer.parseInt(pool.get("sv_login"));
        }
        if (active == 0 && waiting == 0 && activeServers == 0 && counted == backends && servers.size() == counted
                && inTransaction == 0) {
            return null;
        }
        return "SHOW POOLS " + pools + "; SHOW SERVERS " + servers + "; pg_stat_activity: " + backends + " backends of "
                + target.user() + ", " + inTransaction + " idle in transaction";
    }

    private int count(Connection direct, String condition) throws SQLException {
        try (Statement st = direct.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
                     + " AND datname = '" + target.database() + "' AND usename = '" + target.user() + "'" + condition)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Fresh clients, each holding a server at once, find it out of any transaction and without pgmux.fuzz set. */
    private void freshClientsGetCleanServers(List<String> violations) throws IOException {
        List<RawClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < CLEAN_CLIENTS; i++) {
                RawClient client = RawClient.open(target.host(), target.port())
                        .loginWithPassword(target.database(), target.user(), target.password());
                clients.add(client);
                List<Reply> begin = client.query("BEGIN");
                for (Reply reply : begin) {
                    if (reply.type() == Backend.NOTICE_RESPONSE) {
                        violations.add("a fresh client's BEGIN got " + reply.error() + ": its server was handed over in a transaction");
                    } else if (reply.type() == Backend.ERROR_RESPONSE) {
                        violations.add("a fresh client's BEGIN failed: " + reply.error());
                    }
                }
                if (last(begin).status() != TransactionStatus.IN_TRANSACTION) {
                    violations.add("a fresh client's BEGIN left it " + last(begin).status());
                }
                List<Reply> setting = client.query("SELECT current_setting('pgmux.fuzz', true)");
                for (Reply reply : setting) {
                    if (reply.type() == Backend.DATA_ROW) {
                        String value = reply.row().get(0);
                        if (value != null && !value.isEmpty()) {
                            violations.add("a fresh client sees pgmux.fuzz = '" + value + "': another client's setting");
                        }
                    } else if (reply.type() == Backend.ERROR_RESPONSE) {
                        violations.add("a fresh client's query failed: " + reply.error());
                    }
                }
            }
            for (RawClient client : clients) {
                client.query("COMMIT");
            }
        } catch (IOException | RuntimeException e) {
            violations.add("a fresh client could not log in and run BEGIN / SELECT / COMMIT: " + e);
        } finally {
            for (RawClient client : clients) {
                client.close();
            }
        }
    }

    private static Reply last(List<Reply> replies) {
        return replies.get(replies.size() - 1);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
