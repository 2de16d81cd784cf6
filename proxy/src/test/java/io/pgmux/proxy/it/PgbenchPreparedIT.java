package io.pgmux.proxy.it;

import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** pgbench -M prepared (named statements, its default read-write script) with 200 clients on a pool of 10. */
class PgbenchPreparedIT {
    private static final String USER = "prep_bench_user";
    private static final String DATABASE = "prep_pgbench";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().role(USER);
    private static Pgmux pgmux;

    @BeforeAll
    static void createDatabaseAndStartPgmux() throws Exception {
        TestPostgres pg = TestPostgres.get();
        try (var direct = pg.connect("postgres", TestPostgres.SUPERUSER, null); var st = direct.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + DATABASE + " WITH (FORCE)");
            st.execute("CREATE DATABASE " + DATABASE + " OWNER " + USER);
        }
        ExternalClient.run(180, pgbench(), "-i", "-s", "1", "-q", "-h", pg.host(), "-p", Integer.toString(pg.port()),
                "-U", USER, DATABASE).orFail("pgbench -i");
        pgmux = Pgmux.start("pool_size: 10\nquery_wait_timeout: 120s\n");
    }

    @AfterAll
    static void stopPgmux() {
        if (pgmux != null) {
            pgmux.close();
        }
    }

    private static String pgbench() {
        return TestPostgres.get().binDir().resolve("pgbench").toString();
    }

    @Test
    void preparedModeWithTwoHundredClientsOnTenServersHasNoFailedTransaction() throws Exception {
        // when
        ExternalClient.Result result = ExternalClient.run(180, pgbench(), "-M", "prepared", "-c", "200", "-j", "2", "-T", "10", "-n",
                "-h", pgmux.host(), "-p", Integer.toString(pgmux.port()), "-U", USER, DATABASE);

        // then: it ran to the end, with transactions and none failed
        assertEquals(0, result.exitCode(), result.output());
        long processed = number(result.output(), "number of transactions actually processed: (\\d+)");
        long failed = number(result.output(), "number of failed transactions: (\\d+)");
        Matcher tps = Pattern.compile("tps = ([0-9.]+)").matcher(result.output());
        assertTrue(tps.find(), result.output());
        System.out.println("pgbench -M prepared -c 200 through a pool of 10: " + processed + " transactions, tps = " + tps.group(1));
        assertTrue(processed > 0, result.output());
        assertEquals(0, failed, result.output());
        assertTrue(Pgmux.serverConnections(DATABASE, USER) <= 10);
    }

    private static long number(String output, String regex) {
        Matcher m = Pattern.compile(regex).matcher(output);
        if (!m.find()) {
            fail("no \"" + regex + "\" in pgbench's output:\n" + output);
        }
        return Long.parseLong(m.group(1));
    }
}
