package io.pgmux.proxy.it;

import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.TestPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** asyncpg (statement cache on: named statements, prepared with Parse/Describe/Flush) through small pools. */
class AsyncpgPreparedStatementsIT {
    private static final String USER = "prep_asyncpg_user";
    private Pgmux pgmux;

    @BeforeAll
    static void createRoleAndTable() throws Exception {
        ExternalClient.requirePythonModule("asyncpg", "python3-asyncpg");
        PreparedProtocol.createRole(USER);
        TestPostgres.get().execute("DROP TABLE IF EXISTS prep_asyncpg_log; CREATE TABLE prep_asyncpg_log (client int, round int);"
                + " GRANT ALL ON prep_asyncpg_log TO " + USER);
    }

    @BeforeEach
    void emptyLog() {
        TestPostgres.get().execute("TRUNCATE prep_asyncpg_log");
    }

    @AfterEach
    void stopPgmux() {
        if (pgmux != null) {
            pgmux.close();
        }
    }

    private ExternalClient.Result asyncpg(String mode, int connections) throws Exception {
        return ExternalClient.run(200, ExternalClient.PYTHON, ExternalClient.script("asyncpg_prepared.py"),
                pgmux.host(), Integer.toString(pgmux.port()), USER, TestPostgres.DATABASE, mode, Integer.toString(connections));
    }

    @Test
    void twoHundredConnectionsWithTheStatementCacheShareTenServers() throws Exception {
        pgmux = Pgmux.start("pool_size: 10\nquery_wait_timeout: 120s\n");

        // when: 200 asyncpg connections run the same texts, each prepared once per connection
        ExternalClient.Result result = asyncpg("cache", 200).orFail("asyncpg");

        // then: every result was right (the script checks), every transaction committed once
        assertTrue(result.output().startsWith("ok 1000 rounds"), result.output());
        try (Connection direct = TestPostgres.get().connect(TestPostgres.DATABASE, TestPostgres.SUPERUSER, null);
             Statement st = direct.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT client) FROM prep_asyncpg_log")) {
            rs.next();
            assertEquals(1000, rs.getInt(1));
            assertEquals(200, rs.getInt(2));
        }
        // and the servers hold the shared statements: a few texts, not one per connection
        Map<String, List<String>> held = PreparedProtocol.statementsOnServers(pgmux, USER, 10);
        held.values().forEach(names -> assertTrue(names.size() <= 5, "one statement per text on a server: " + names));
        assertTrue(held.values().stream().anyMatch(names -> !names.isEmpty()), held.toString());
    }

    @Test
    void fiftyConnectionsPrepareBeforeAnyExecutesThroughTwentyServers() throws Exception {
        pgmux = Pgmux.start("pool_size: 20\nquery_wait_timeout: 60s\n");

        // when: asyncpg's prepare() on 50 connections, all before the first execution
        ExternalClient.Result result = asyncpg("prepare", 50).orFail("asyncpg");

        // then: it completes (PgBouncer 1.25 hangs here), with the right results
        assertTrue(result.output().startsWith("ok 50 connections prepared"), result.output());
        assertTrue(Pgmux.serverConnections(TestPostgres.DATABASE, USER) <= 20);
    }
}
