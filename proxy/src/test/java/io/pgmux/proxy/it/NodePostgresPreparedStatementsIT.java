package io.pgmux.proxy.it;

import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.TestPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** node-postgres named queries ({name, text, values}) through a small pool. */
class NodePostgresPreparedStatementsIT {
    private static final String USER = "prep_node_user";
    private static Path nodeModules;
    private Pgmux pgmux;

    @BeforeAll
    static void installPgAndCreateRole() throws Exception {
        nodeModules = ExternalClient.nodeModulesWithPg();
        PreparedProtocol.createRole(USER);
        TestPostgres.get().execute("DROP TABLE IF EXISTS prep_node_log; CREATE TABLE prep_node_log (client int, round int);"
                + " GRANT ALL ON prep_node_log TO " + USER);
    }

    @AfterEach
    void stopPgmux() {
        if (pgmux != null) {
            pgmux.close();
        }
    }

    @Test
    void namedQueriesOnTwentyConnectionsThroughThreeServers() throws Exception {
        pgmux = Pgmux.start("pool_size: 3\nquery_wait_timeout: 120s\n");

        // when
        ExternalClient.Result result = ExternalClient.run(200, Map.of("NODE_PATH", nodeModules.toString()),
                List.of("node", ExternalClient.script("node_pg_prepared.js"), pgmux.host(), Integer.toString(pgmux.port()), USER,
                        TestPostgres.DATABASE, "20")).orFail("node-postgres");

        // then: the script checked every result; each transaction committed once
        assertTrue(result.output().startsWith("ok 100 rounds"), result.output());
        try (Connection direct = TestPostgres.get().connect(TestPostgres.DATABASE, TestPostgres.SUPERUSER, null);
             Statement st = direct.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT client) FROM prep_node_log")) {
            rs.next();
            assertEquals(100, rs.getInt(1));
            assertEquals(20, rs.getInt(2));
        }
        Map<String, List<String>> held = PreparedProtocol.statementsOnServers(pgmux, USER, 3);
        assertTrue(held.values().stream().flatMap(List::stream).anyMatch(name -> name.startsWith("pgmux_")), held.toString());
    }
}
