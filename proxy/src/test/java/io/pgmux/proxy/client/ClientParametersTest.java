package io.pgmux.proxy.client;

import io.pgmux.proxy.backend.ServerParameters;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The settings a client is entitled to: its startup choices over the server defaults, then what it SETs. */
class ClientParametersTest {

    @Test
    void startupParametersAreSettingsExceptTheConnectionKeys() {
        Map<String, String> startup = new LinkedHashMap<>();
        startup.put("user", "alice");
        startup.put("database", "app");
        startup.put("replication", "false");
        startup.put("_pq_.compression", "on");
        startup.put("application_name", "billing");
        startup.put("DateStyle", "German");

        ClientParameters parameters = ClientParameters.fromStartup(startup);

        assertEquals(Map.of("application_name", "billing", "DateStyle", "German"), Map.copyOf(parameters.values()));
    }

    @Test
    void optionsCarrySettingsToo() {
        ClientParameters parameters = ClientParameters.fromStartup(Map.of("user", "alice",
                "options", "-c search_path=app,public --statement-timeout=5s"));

        assertEquals(Map.of("search_path", "app,public", "statement_timeout", "5s"), Map.copyOf(parameters.values()));
    }

    @Test
    void startupParameterWinsOverTheSameSettingInOptionsAsInPostgres() {
        // Postgres applies the options first, then the other startup parameters
        Map<String, String> optionsFirst = new LinkedHashMap<>();
        optionsFirst.put("options", "-c application_name=from-options");
        optionsFirst.put("application_name", "direct");
        Map<String, String> optionsLast = new LinkedHashMap<>();
        optionsLast.put("application_name", "direct");
        optionsLast.put("options", "-c application_name=from-options");

        assertEquals("direct", ClientParameters.fromStartup(optionsFirst).get("application_name"));
        assertEquals("direct", ClientParameters.fromStartup(optionsLast).get("application_name"));
    }

    @Test
    void ignoredStartupParametersAreDroppedWhereverTheyAreGiven() {
        Map<String, String> startup = new LinkedHashMap<>();
        startup.put("user", "alice");
        startup.put("Extra_Float_Digits", "3");
        startup.put("options", "-c extra_float_digits=2 -c TimeZone=UTC --search-path=app");
        startup.put("application_name", "billing");

        ClientParameters parameters = ClientParameters.fromStartup(startup, List.of("extra_float_digits", "search_path"));

        assertEquals(Map.of("TimeZone", "UTC", "application_name", "billing"), Map.copyOf(parameters.values()));
    }

    @Test
    void ignoringOptionsDropsItsSwitchesButKeepsItsSettings() {
        Map<String, String> startup = Map.of("user", "alice", "options", "-d 5 -c TimeZone=UTC -c broken -c");

        ClientParameters parameters = ClientParameters.fromStartup(startup, List.of("options"));

        assertEquals(Map.of("TimeZone", "UTC"), Map.copyOf(parameters.values()));
        assertThrows(IllegalArgumentException.class, () -> ClientParameters.fromStartup(startup, List.of()));
    }

    @Test
    void badOptionsAreRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> ClientParameters.fromStartup(Map.of("user", "alice", "options", "-F")));
    }

    @Test
    void namesCompareCaseInsensitively() {
        ClientParameters parameters = ClientParameters.fromStartup(Map.of("TimeZone", "Europe/Paris"));

        assertEquals("Europe/Paris", parameters.get("timezone"));
        parameters.set("TIMEZONE", "UTC");
        assertEquals("UTC", parameters.get("TimeZone"));
        assertEquals(1, parameters.values().size());
    }

    @Test
    void serverDefaultsFillOnlyWhatTheClientDidNotChoose() {
        ClientParameters parameters = ClientParameters.fromStartup(Map.of("timezone", "Europe/Paris"));
        ServerParameters welcome = new ServerParameters();
        welcome.report("TimeZone", "UTC");
        welcome.report("DateStyle", "ISO, MDY");
        welcome.report("client_encoding", "UTF8");

        parameters.adoptDefaults(welcome);

        assertEquals("Europe/Paris", parameters.get("TimeZone"));
        assertEquals("ISO, MDY", parameters.get("DateStyle"));
        assertEquals("UTF8", parameters.get("client_encoding"));
    }

    @Test
    void serverFactsAreNotSessionSettings() {
        ClientParameters parameters = ClientParameters.fromStartup(Map.of());
        ServerParameters welcome = new ServerParameters();
        for (String name : new String[] {"server_version", "server_encoding", "integer_datetimes", "is_superuser",
                "in_hot_standby"}) {
            welcome.report(name, "x");
        }
        welcome.report("standard_conforming_strings", "on");
        welcome.report("session_authorization", "app");

        parameters.adoptDefaults(welcome);
        assertNull(parameters.get("session_authorization"), "the welcome's login user is not the client's choice");
        parameters.onServerReport("server_version", "99");
        parameters.onServerReport("IS_SUPERUSER", "on");
        parameters.onServerReport("session_authorization", "tenant");

        // session_authorization is the session's once it changes it (SET SESSION AUTHORIZATION); is_superuser follows
        assertEquals(Map.of("standard_conforming_strings", "on", "session_authorization", "tenant"), Map.copyOf(parameters.values()));
    }

    @Test
    void reportedChangeFollowsTheClient() {
        ClientParameters parameters = ClientParameters.fromStartup(Map.of("TimeZone", "UTC"));

        parameters.onServerReport("TimeZone", "Asia/Tokyo");
        parameters.onServerReport("application_name", "renamed");

        assertEquals("Asia/Tokyo", parameters.get("TimeZone"));
        assertEquals("renamed", parameters.get("application_name"));
    }

    @Test
    void unknownSettingIsNull() {
        assertNull(ClientParameters.fromStartup(Map.of()).get("TimeZone"));
    }

    @Test
    void valuesCannotBeChangedFromOutside() {
        ClientParameters parameters = ClientParameters.fromStartup(Map.of("TimeZone", "UTC"));

        assertThrows(UnsupportedOperationException.class, () -> parameters.values().put("TimeZone", "x"));
    }

    @Test
    void clientsThatLoggedInAlikeShareTheirSettingsUntilOneChangesThem() {
        ServerParameters welcome = new ServerParameters();
        welcome.report("TimeZone", "UTC");
        welcome.report("DateStyle", "ISO, MDY");
        ClientParameters first = ClientParameters.fromStartup(Map.of("application_name", "shared-settings-test"));
        ClientParameters second = ClientParameters.fromStartup(Map.of("application_name", "shared-settings-test"));
        first.adoptDefaults(welcome);
        second.adoptDefaults(welcome);
        assertSame(first.values().get("TimeZone"), second.values().get("TimeZone"));
        assertTrue(first.sharesSettingsWith(second), "one shared map for both clients");

        first.set("TimeZone", "Asia/Tokyo");
        first.reset("application_name");

        assertEquals("Asia/Tokyo", first.get("TimeZone"));
        assertEquals("UTC", second.get("TimeZone"), "the other client's settings did not change");
        assertEquals("shared-settings-test", first.get("application_name"));
        first.set("TimeZone", "UTC");
        first.snapshot(settings -> settings);
        assertTrue(first.sharesSettingsWith(second), "shared again once the same settings are used");
    }
}
