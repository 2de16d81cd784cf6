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

/** asyncpg (statement cache on: named statements, prepared with Parse/Describe/Flush) through small pools. */
class AsyncpgPreparedStatementsIT {
    private static final String USER = "prep_asyncpg_user";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux()
            .precondition(() -> ExternalClient.requirePythonModule("asyncpg", "python3-asyncpg"))
            .role(USER)
            .emptyTable("prep_asyncpg_log", "client int, round int");
    private Pgmux pgmux;

    private ExternalClient.Result asyncpg(String mode, int connections) throws Exception {
        return ExternalClient.run(200, ExternalClient.PYTHON, ExternalClient.script("asyncpg_prepared.py"),
                pgmux.host(), Integer.toString(pgmux.port()), USER, TestPostgres.DATABASE, mode, Integer.toString(connections));
    }

    @Test
    void twoHundredConnectionsWithTheStatementCacheShareTenServers() throws Exception {
        pgmux = fixture.start("pool_size: 10\nquery_wait_timeout: 120s\n");

        // when: 200 asyncpg connections run the same texts, each prepared once per connection
        ExternalClient.Result result = asyncpg("cache", 200).orFail("asyncpg");

        // then: every result was right (the script checks), every transaction committed once
        assertTrue(result.output().startsWith("ok 1000 rounds"), result.output());
        int[] logged = TestSql.directInts("SELECT count(*), count(DISTINCT client) FROM prep_asyncpg_log");
        assertEquals(1000, logged[0]);
        assertEquals(200, logged[1]);
        // and the servers hold the shared statements: a few texts, not one per connection
        Map<String, List<String>> held = PreparedProtocol.statementsOnServers(pgmux, USER, 10);
        held.values().forEach(names -> assertTrue(names.size() <= 5, "one statement per text on a server: " + names));
        assertTrue(held.values().stream().anyMatch(names -> !names.isEmpty()), held.toString());
    }

    @Test
    void fiftyConnectionsPrepareBeforeAnyExecutesThroughTwentyServers() throws Exception {
        pgmux = fixture.start("pool_size: 20\nquery_wait_timeout: 60s\n");

        // when: asyncpg's prepare() on 50 connections, all before the first execution
        ExternalClient.Result result = asyncpg("prepare", 50).orFail("asyncpg");

        // then: it completes (PgBouncer 1.25 hangs here), with the right results
        assertTrue(result.output().startsWith("ok 50 connections prepared"), result.output());
        assertTrue(Pgmux.serverConnections(TestPostgres.DATABASE, USER) <= 20);
    }
}
