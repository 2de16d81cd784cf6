package io.pgmux.proxy.it;

import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** psycopg 3 with prepare_threshold=0 (every query a named statement), in pipeline mode. */
class PsycopgPreparedStatementsIT {
    private static final String USER = "prep_psycopg_user";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux()
            .precondition(() -> ExternalClient.requirePythonModule("psycopg", "python3-psycopg"))
            .role(USER)
            .table("prep_psycopg_log", "client int, round int, k int");
    private Pgmux pgmux;

    private ExternalClient.Result psycopg(String mode, int connections) throws Exception {
        return psycopg(pgmux.host(), pgmux.port(), mode, connections);
    }

    private static ExternalClient.Result psycopg(String host, int port, String mode, int connections) throws Exception {
        return ExternalClient.run(200, ExternalClient.PYTHON, ExternalClient.script("psycopg_prepared.py"),
                host, Integer.toString(port), USER, TestPostgres.DATABASE, mode, Integer.toString(connections));
    }

    /** The same script straight against Postgres: what pgmux must not change. */
    private static ExternalClient.Result psycopgOnPostgres(String mode) throws Exception {
        return psycopg(TestPostgres.get().host(), TestPostgres.get().port(), mode, 1);
    }

    @Test
    void pipelinedPreparedStatementsOnTwentyConnectionsThroughThreeServers() throws Exception {
        TestPostgres.get().execute("TRUNCATE prep_psycopg_log");
        pgmux = fixture.start("pool_size: 3\nquery_wait_timeout: 120s\n");

        // when
        ExternalClient.Result result = psycopg("pipeline", 20).orFail("psycopg");

        // then: the script checked every result; the writes all landed once
        assertTrue(result.output().startsWith("ok 100 pipelined rounds"), result.output());
        int[] logged = TestSql.directInts("SELECT count(*), count(DISTINCT client) FROM prep_psycopg_log");
        assertEquals(20 * 5 * 4, logged[0]);
        assertEquals(20, logged[1]);
        Map<String, List<String>> held = PreparedProtocol.statementsOnServers(pgmux, USER, 3);
        assertTrue(held.values().stream().flatMap(List::stream).anyMatch(name -> name.startsWith("pgmux_")), held.toString());
    }

    @Test
    void statementCacheRotationDeallocatesThroughTheExtendedProtocol() throws Exception {
        // psycopg's cache of 5 rotates, deallocating its oldest statements
        assertRunsAsOnPostgres("rotate", "pool_size: 2\n", "ok 12 statements rotated");
    }

    @Test
    void rollbacksDeallocateAllThroughTheExtendedProtocol() throws Exception {
        // 40 rollbacks of 3 prepared statements each (psycopg re-prepares under new names every time):
        // as on Postgres, DEALLOCATE ALL frees the names
        assertRunsAsOnPostgres("rollback", "pool_size: 2\nmax_client_prepared_statements: 20\n", "ok 40 rollbacks");
    }

    /**
     * Given the script in {@code mode} passes on Postgres itself, when it runs on one connection through
     * pgmux started with {@code yaml}, then it passes too, saying {@code ok}.
     */
    private void assertRunsAsOnPostgres(String mode, String yaml, String ok) throws Exception {
        psycopgOnPostgres(mode).orFail("psycopg straight to Postgres");
        pgmux = fixture.start(yaml);

        ExternalClient.Result result = psycopg(mode, 1);

        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().startsWith(ok), result.output());
    }
}
