package io.pgmux.proxy.it;

import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Custom settings ({@code name.with.dot}) a client brings in its startup packet or {@code options}.
 * pgmux SETs them on whatever server the client takes, and RESETs them for the next client; but
 * Postgres keeps a placeholder for every custom name a backend has ever seen, until the backend
 * exits. Through a pooler the backends live on, so the names of every past client pile up on them.
 *
 * <p>Found in the review of issue 9: logins with 300 new custom names each made every later login
 * on the pool slower (0.1 s for the first, 4.8 s after 138 such logins: Postgres's cost of a SET
 * grows with the placeholders a backend holds, about 50 ms each at 40,000), and the backend's
 * memory grows until {@code server_lifetime}. Logged-in clients with random names, as in issue 9
 * item 3, degrade the pool for everyone.
 */
class CustomSettingNamesIT {
    private static final String USER = "custom_names_user";
    private static Pgmux pgmux;

    @BeforeAll
    static void startPgmux() {
        TestPostgres.get().execute("DROP ROLE IF EXISTS " + USER + "; CREATE ROLE " + USER + " LOGIN");
        pgmux = Pgmux.start("pool_size: 1\n");
    }

    @AfterAll
    static void stopPgmux() {
        pgmux.close();
    }

    @Test
    @Disabled("defect found in review, not fixed: a client's custom setting names stay on the server after it leaves "
            + "(Postgres drops placeholders only when the backend exits); needs a decision, e.g. retire a server once "
            + "it has seen more than N distinct custom names, or refuse custom names not listed in the config")
    void aClientsCustomSettingNamesDoNotOutliveItOnTheServer() throws Exception {
        // given a client that brought custom settings and used the pool's only server
        Map<String, String> custom = new LinkedHashMap<>();
        for (int i = 0; i < 50; i++) {
            custom.put("custom_names_" + i + ".setting", "value " + i);
        }
        try (RawClient first = pgmux.raw(USER, custom)) {
            assertEquals("value 7", TestSql.value(first, "SELECT current_setting('custom_names_7.setting')"));
        }

        // when the next client takes that server, then it sees the server as a new connection would:
        // no trace of the names (current_setting(..., true) is NULL for a name never set)
        try (RawClient next = pgmux.raw(USER)) {
            assertNull(TestSql.value(next, "SELECT current_setting('custom_names_7.setting', true)"));
        }
    }
}
