package io.pgmux.proxy.it;

import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code application_name_add_host}, as PgBouncer's: the client's address and port follow its
 * application_name on the server (pg_stat_activity), whichever server runs its transaction.
 */
class ApplicationNameAddHostIT {
    private static final String USER = "anah_user";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().role(USER);

    @Test
    void theServerSeesTheClientsAddressAfterItsApplicationName() throws Exception {
        try (Pgmux pgmux = Pgmux.start("application_name_add_host: true\n");
             // pgJDBC puts ApplicationName in the startup packet only when it may assume a server of 9.0 or later
             Connection named = pgmux.jdbc(USER, null, Map.of("ApplicationName", "billing", "assumeMinServerVersion", "9.0"));
             RawClient unnamed = pgmux.raw(USER)) {
            String name = TestSql.scalar(named, "SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()");
            String bare = TestSql.value(unnamed, "SELECT current_setting('application_name')");

            assertTrue(name.matches("billing - 127\\.0\\.0\\.1:\\d+"), name);
            assertTrue(bare.matches("127\\.0\\.0\\.1:\\d+"), bare);
        }
    }

    @Test
    void offByDefault() throws Exception {
        try (Pgmux pgmux = Pgmux.start("");
             Connection named = pgmux.jdbc(USER, null, Map.of("ApplicationName", "billing", "assumeMinServerVersion", "9.0"))) {
            assertEquals("billing", TestSql.scalar(named, "SELECT current_setting('application_name')"));
        }
    }
}
