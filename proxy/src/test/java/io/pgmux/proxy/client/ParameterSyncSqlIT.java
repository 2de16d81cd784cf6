package io.pgmux.proxy.client;

import io.pgmux.proxy.backend.ServerParameters;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestPostgres;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The SQL of a parameter sync, run on a real Postgres: awkward names and values arrive intact. */
class ParameterSyncSqlIT {
    private static final String USER = "paramsync_user";

    @Test
    void awkwardValuesAndNamesSurviveTheRoundTrip() throws IOException {
        TestPostgres.get().execute("DROP ROLE IF EXISTS " + USER + "; CREATE ROLE " + USER + " LOGIN");
        Map<String, String> startup = new LinkedHashMap<>();
        startup.put("application_name", "it's a \\ test");
        startup.put("search_path", "\"we'ird\", public");
        startup.put("pgmux_it.custom", "a\\b'c\"d");
        startup.put("DateStyle", "german");
        ClientParameters client = ClientParameters.fromStartup(startup);
        ServerParameters server = new ServerParameters();
        server.applied("pgmux_it.leftover", "1");

        try (RawClient postgres = RawClient.connect(TestPostgres.HOST, TestPostgres.get().port(), TestPostgres.DATABASE, USER)) {
            // given a server on which pgmux had set a setting for an earlier client, with standard strings off
            postgres.query("SET standard_conforming_strings = off; SET pgmux_it.leftover = '1'");

            // when the sync for this client runs
            ParameterSync sync = ParameterSync.between(client, server);
            List<Reply> replies = postgres.query(sync.sql());

            // then every value is set as given (normalized by the server where it does that) and the leftover is reset:
            // a RESET per setting first (so each applies to the default, not an earlier client's value), the leftover's RESET, the SELECT
            assertEquals("CCCCCTDCZ", RawClient.types(replies).replace("S", ""), replies::toString);
            assertEquals(List.of("application_name", "DateStyle", "pgmux_it.custom", "search_path"), List.copyOf(sync.toSet().keySet()));
            assertEquals(List.of("it's a \\ test", "German, DMY", "a\\b'c\"d", "\"we'ird\", public"), replies.stream().filter(r -> r.typeChar() == 'D').findFirst().orElseThrow().row());
            assertEquals("it's a \\ test", show(postgres, "application_name"));
            assertEquals("\"we'ird\", public", show(postgres, "search_path"));
            assertEquals("a\\b'c\"d", show(postgres, "pgmux_it.custom"));
            assertEquals("German, DMY", show(postgres, "DateStyle"));
            assertEquals("", show(postgres, "pgmux_it.leftover"));
        }
    }

    private static String show(RawClient postgres, String name) throws IOException {
        List<Reply> replies = postgres.query("SELECT current_setting(" + ParameterSync.literal(name) + ")");
        assertEquals("TDCZ", RawClient.types(replies), replies::toString);
        return replies.stream().filter(r -> r.typeChar() == 'D').findFirst().orElseThrow().row().get(0);
    }
}
