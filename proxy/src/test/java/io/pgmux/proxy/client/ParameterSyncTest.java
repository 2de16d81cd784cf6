package io.pgmux.proxy.client;

import io.pgmux.proxy.backend.ServerParameters;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What pgmux changes on a server before a client uses it, and the exact SQL it sends for that. */
class ParameterSyncTest {

    @Test
    void nothingToDoWhenTheServerMatchesTheClient() {
        ServerParameters server = server(Map.of("TimeZone", "UTC", "DateStyle", "ISO, MDY"));
        ClientParameters client = ClientParameters.fromStartup(Map.of("timezone", "UTC"));

        ParameterSync sync = ParameterSync.between(client, server);

        assertTrue(sync.isEmpty());
        assertEquals("", sync.sql());
    }

    @Test
    void differingValuesAreSetWithSetConfigInOneSelect() {
        ServerParameters server = server(Map.of("TimeZone", "UTC", "application_name", "", "DateStyle", "ISO, MDY"));
        Map<String, String> startup = new LinkedHashMap<>();
        startup.put("TimeZone", "Europe/Paris");
        startup.put("application_name", "billing");
        startup.put("DateStyle", "ISO, MDY");
        ClientParameters client = ClientParameters.fromStartup(startup);

        ParameterSync sync = ParameterSync.between(client, server);

        assertEquals(Map.of("TimeZone", "Europe/Paris", "application_name", "billing"), sync.toSet());
        assertEquals(List.of(), sync.toReset());
        assertEquals("RESET \"application_name\";RESET \"TimeZone\";"
                + "SELECT pg_catalog.set_config(E'application_name', E'billing', false), "
                + "pg_catalog.set_config(E'TimeZone', E'Europe/Paris', false);", sync.sql());
    }

    @Test
    void settingTheServerDoesNotReportIsSetWhenItDiffersFromWhatPgmuxAppliedEarlier() {
        ServerParameters server = server(Map.of(), "search_path", "other");
        ClientParameters client = ClientParameters.fromStartup(Map.of("search_path", "app"));

        ParameterSync sync = ParameterSync.between(client, server);

        assertEquals(Map.of("search_path", "app"), sync.toSet());
        assertEquals(List.of(), sync.toReset());
    }

    @Test
    void settingPgmuxAppliedForAnEarlierClientIsResetForOneThatDidNotAskForIt() {
        ServerParameters server = server(Map.of("TimeZone", "UTC"), "search_path", "app", "statement_timeout", "5s");
        ClientParameters client = ClientParameters.fromStartup(Map.of("TimeZone", "UTC", "statement_timeout", "5s"));

        ParameterSync sync = ParameterSync.between(client, server);

        assertEquals(Map.of(), sync.toSet());
        assertEquals(List.of("search_path"), sync.toReset());
        assertEquals("RESET \"search_path\";", sync.sql());
    }

    @Test
    void leftoversAreResetBeforeTheClientsValuesAreSet() {
        ServerParameters server = server(Map.of("TimeZone", "UTC"), "search_path", "app", "work_mem", "64MB");

        String sql = syncSql(Map.of("TimeZone", "Asia/Tokyo"), server);

        assertEquals("RESET \"TimeZone\";RESET \"search_path\";RESET \"work_mem\";"
                + "SELECT pg_catalog.set_config(E'TimeZone', E'Asia/Tokyo', false);", sql);
    }

    @Test
    void theRoleIsResetFirstAndSetLastSoEverythingElseChangesAsTheLoginUser() {
        ServerParameters server = server(Map.of("TimeZone", "UTC"), "role", "tenant_a", "log_statement", "none");

        String sql = syncSql(Map.of("TimeZone", "Asia/Tokyo", "role", "tenant_b"), server);

        assertEquals("RESET ROLE;RESET \"TimeZone\";RESET \"log_statement\";"
                + "SELECT pg_catalog.set_config(E'TimeZone', E'Asia/Tokyo', false), pg_catalog.set_config(E'role', E'tenant_b', false);", sql);
    }

    @Test
    void quotesInValuesAreDoubled() {
        assertLiteral("E'O''Brien'", "O'Brien");
        assertLiteral("E''''", "'");
        assertLiteral("E''", "");
    }

    @Test
    void backslashesInValuesAreEscaped() {
        assertLiteral("E'C:\\\\temp'", "C:\\temp");
        assertLiteral("E'\\\\'''", "\\'");
    }

    private static void assertLiteral(String literal, String value) {
        assertEquals(literal, ParameterSync.literal(value), value);
    }

    @Test
    void injectionAttemptStaysOneLiteral() {
        ServerParameters server = server(Map.of("application_name", ""));

        String sql = syncSql(Map.of("application_name", "x'); DROP TABLE t; --\\"), server);

        assertEquals("RESET \"application_name\";"
                + "SELECT pg_catalog.set_config(E'application_name', E'x''); DROP TABLE t; --\\\\', false);", sql);
    }

    @Test
    void identifiersAreDoubleQuotedWithQuotesDoubled() {
        assertEquals("\"search_path\"", ParameterSync.identifier("search_path"));
        assertEquals("\"my\"\"app.x\"", ParameterSync.identifier("my\"app.x"));

        ServerParameters server = server(Map.of(), "my\"app.x", "1");
        assertEquals("RESET \"my\"\"app.x\";", syncSql(Map.of(), server));
    }

    @Test
    void applyingRecordsReportedAndUnreportedSettingsApart() {
        ServerParameters server = server(Map.of("TimeZone", "UTC"), "work_mem", "64MB");
        ParameterSync sync = new ParameterSync(orderedMap("TimeZone", "europe/paris", "search_path", "app"), List.of("work_mem"));

        sync.applyTo(server, List.of("Europe/Paris", "app"));

        assertEquals("Europe/Paris", server.reported().get("TimeZone"), "the value as the server normalized it");
        assertEquals("app", server.applied().get("search_path"));
        assertFalse(server.isReported("search_path"));
        assertNull(server.get("work_mem"), "reset to the server default");
    }

    @Test
    void applyingWithoutNormalizedValuesKeepsTheClientValues() {
        ServerParameters server = server(Map.of());
        ParameterSync sync = new ParameterSync(orderedMap("search_path", "app"), List.of());

        sync.applyTo(server, List.of());

        assertEquals("app", server.get("search_path"));
    }

    @Test
    void aServerWhoseSettingsAreUnknownIsResetAndGetsEveryValueOfTheClient() {
        ServerParameters server = server(Map.of("TimeZone", "UTC"), "search_path", "earlier");
        ClientParameters client = ClientParameters.fromStartup(Map.of("TimeZone", "UTC"));
        server.markInSyncWith(client.snapshot(settings -> settings));
        assertTrue(server.isInSyncWith(client.snapshot(settings -> settings)));

        // when: a client ran a set_config pgmux could not follow
        server.markUnknown();

        // then: no client is in sync, and the sync starts from a reset and sets every value
        assertFalse(server.isInSyncWith(client.snapshot(settings -> settings)));
        ParameterSync sync = ParameterSync.between(client, server);
        assertFalse(sync.isEmpty());
        assertEquals("RESET SESSION AUTHORIZATION;RESET ALL;RESET \"TimeZone\";"
                + "SELECT pg_catalog.set_config(E'TimeZone', E'UTC', false);", sync.sql());
        sync.applyTo(server, List.of("UTC"));
        assertFalse(server.isUnknown());
        assertNull(server.get("search_path"), "what pgmux set before is gone with the reset");
    }

    /** A server that reported {@code reported} and was given the settings in {@code appliedNamesAndValues} by pgmux. */
    private static ServerParameters server(Map<String, String> reported, String... appliedNamesAndValues) {
        ServerParameters server = new ServerParameters();
        reported.forEach(server::report);
        orderedMap(appliedNamesAndValues).forEach(server::applied);
        return server;
    }

    /** The SQL pgmux sends {@code server} before a client with {@code startup} uses it. */
    private static String syncSql(Map<String, String> startup, ServerParameters server) {
        return ParameterSync.between(ClientParameters.fromStartup(startup), server).sql();
    }

    private static Map<String, String> orderedMap(String... namesAndValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            map.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return map;
    }
}
