package io.pgmux.proxy.it;

import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** node-postgres named queries ({name, text, values}) through a small pool. */
class NodePostgresPreparedStatementsIT {
    private static final String USER = "prep_node_user";
    private static Path nodeModules;

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux()
            .role(USER)
            .table("prep_node_log", "client int, round int");
    private Pgmux pgmux;

    @BeforeAll
    static void installPg() throws Exception {
        nodeModules = ExternalClient.nodeModulesWithPg();
    }

    @Test
    void namedQueriesOnTwentyConnectionsThroughThreeServers() throws Exception {
        pgmux = fixture.start("pool_size: 3\nquery_wait_timeout: 120s\n");

        // when
        ExternalClient.Result result = ExternalClient.run(200, Map.of("NODE_PATH", nodeModules.toString()),
                List.of("node", ExternalClient.script("node_pg_prepared.js"), pgmux.host(), Integer.toString(pgmux.port()), USER,
                        TestPostgres.DATABASE, "20")).orFail("node-postgres");

        // then: the script checked every result; each transaction committed once
        assertTrue(result.output().startsWith("ok 100 rounds"), result.output());
        int[] logged = TestSql.directInts("SELECT count(*), count(DISTINCT client) FROM prep_node_log");
        assertEquals(100, logged[0]);
        assertEquals(20, logged[1]);
        Map<String, List<String>> held = PreparedProtocol.statementsOnServers(pgmux, USER, 3);
        assertTrue(held.values().stream().flatMap(List::stream).anyMatch(name -> name.startsWith("pgmux_")), held.toString());
    }
}
