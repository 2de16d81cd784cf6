package io.pgmux.proxy.it;

import io.pgmux.proxy.backend.ServerParameters;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Custom settings ({@code name.with.dot}) a client brings in its startup packet or {@code options}.
 * pgmux SETs them on whatever server the client takes, and RESETs them for the next client; but
 * Postgres keeps a placeholder for every custom name a backend has ever seen, until the backend
 * exits. Through a pooler the backends live on, so the names of every past client would pile up.
 *
 * <p>Found in the review of issue 9: logins with 300 new custom names each made every later login
 * on the pool slower (0.1 s for the first, 4.8 s after 138 such logins: Postgres's cost of a SET
 * grows with the placeholders a backend holds), and the backend's memory grew until
 * {@code server_lifetime}. Now a server that has been given more than
 * {@link ServerParameters#MAX_CUSTOM_NAMES} distinct custom names is closed when its client
 * releases it; a few names (an application's {@code app.tenant}) keep the server in the pool.
 */
class CustomSettingNamesIT {
    private static final String USER = "custom_names_user";

    @RegisterExtension
    static final PgmuxFixture pgmux = PgmuxFixture.withConfig("pool_size: 1\n").role(USER);

    @Test
    void aServerGivenTooManyCustomNamesIsNotHandedToTheNextClient() throws Exception {
        // given a client that brought more custom settings than a server may keep names of
        String backend;
        try (RawClient first = pgmux.raw(USER, customSettings("crowd", ServerParameters.MAX_CUSTOM_NAMES + 1))) {
            assertEquals("value 7", TestSql.value(first, "SELECT current_setting('crowd_7.setting')"));
            backend = TestSql.value(first, "SELECT pg_backend_pid()");
        }

        // when the next client takes the pool's only server, then it is a new backend, without a trace of the names
        try (RawClient next = pgmux.raw(USER)) {
            assertNotEquals(backend, TestSql.value(next, "SELECT pg_backend_pid()"));
            assertNull(TestSql.value(next, "SELECT current_setting('crowd_7.setting', true)"));
        }
    }

    @Test
    void customNamesSetInSqlCountToo() throws Exception {
        String backend;
        try (RawClient first = pgmux.raw(USER)) {
            StringBuilder sets = new StringBuilder();
            for (int i = 0; i <= ServerParameters.MAX_CUSTOM_NAMES; i++) {
                sets.append("SET sql_names_").append(i).append(".setting = 'v").append(i).append("';");
            }
            first.query(sets.toString());
            assertEquals("v9", TestSql.value(first, "SELECT current_setting('sql_names_9.setting')"));
            backend = TestSql.value(first, "SELECT pg_backend_pid()");
        }

        try (RawClient next = pgmux.raw(USER)) {
            assertNotEquals(backend, TestSql.value(next, "SELECT pg_backend_pid()"));
        }
    }

    @Test
    void aServerGivenAFewCustomNamesStaysInThePool() throws Exception {
        // given a client with the few custom settings an application uses
        String backend;
        try (RawClient first = pgmux.raw(USER, customSettings("app", 3))) {
            backend = TestSql.value(first, "SELECT pg_backend_pid()");
        }

        // then the next client gets the same backend, its value reset
        try (RawClient next = pgmux.raw(USER)) {
            assertEquals(backend, TestSql.value(next, "SELECT pg_backend_pid()"));
            assertEquals("", TestSql.value(next, "SELECT current_setting('app_1.setting', true)"));
        }
    }

    private static Map<String, String> customSettings(String prefix, int count) {
        Map<String, String> custom = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            custom.put(prefix + "_" + i + ".setting", "value " + i);
        }
        return custom;
    }
}
