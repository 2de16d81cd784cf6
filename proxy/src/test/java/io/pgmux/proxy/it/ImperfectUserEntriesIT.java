package io.pgmux.proxy.it;

import io.pgmux.protocol.auth.Md5Password;
import io.pgmux.proxy.testing.Console;
import io.pgmux.proxy.testing.LogCapture;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.util.PSQLException;

import java.sql.Connection;
import java.util.List;
import java.util.Map;

import static io.pgmux.proxy.it.ClientAuthenticationIT.assertPasswordFailed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A user entry that cannot log in (an md5 hash under {@code client_auth: scram-sha-256}, an empty
 * or missing password, a console user not listed under {@code users}) does not stop pgmux from
 * starting or reloading, as in Postgres and PgBouncer: pgmux warns naming the entry, and only that
 * user's logins fail, with 28P01.
 */
class ImperfectUserEntriesIT {
    private static final String GOOD = "imp_good";
    private static final String GOOD_PASSWORD = "good-pw";
    private static final String MD5 = "imp_md5";
    private static final String MD5_PASSWORD = "md5-pw";
    private static final String EMPTY = "imp_empty";
    private static final String NONE = "imp_none";
    private static final String UNLISTED_STATS = "imp_stats";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().roles(GOOD, MD5, EMPTY, NONE, UNLISTED_STATS);

    private static final String GOOD_ONLY = "client_auth: scram-sha-256\nadmin_users: [" + GOOD + "]\nusers:\n  " + GOOD
            + ":\n    password: " + GOOD_PASSWORD + "\n";

    private static final String IMPERFECT = "stats_users: [" + UNLISTED_STATS + "]\n" + GOOD_ONLY
            + "  " + MD5 + ":\n    password: \"" + Md5Password.secret(MD5, MD5_PASSWORD) + "\"\n"
            + "  " + EMPTY + ":\n    password: \"\"\n"
            + "  " + NONE + ": {}\n";

    @Test
    void pgmuxStartsWithImperfectEntriesAndOnlyTheirLoginsFail() throws Exception {
        try (LogCapture log = LogCapture.start(); Pgmux pgmux = Pgmux.start(IMPERFECT)) {
            // the warnings name each entry
            assertEquals(1, log.containing("users." + MD5 + ".password: an md5 hash cannot be checked").size(), () -> log.events().toString());
            assertEquals(1, log.containing("users." + EMPTY + ".password: empty").size(), () -> log.events().toString());
            assertEquals(1, log.containing("users." + NONE + ".password: none given").size(), () -> log.events().toString());
            assertEquals(1, log.containing("stats_users: \"" + UNLISTED_STATS + "\" is not listed under users").size(), () -> log.events().toString());

            // the good user logs in
            try (Connection c = pgmux.jdbc(GOOD, GOOD_PASSWORD, Map.of())) {
                assertEquals(GOOD, TestSql.scalar(c, "SELECT current_user"));
            }
            // each imperfect one gets the password error, whatever it sends
            assertPasswordFailed(MD5, assertThrows(PSQLException.class, () -> pgmux.jdbc(MD5, MD5_PASSWORD, Map.of()).close()));
            assertPasswordFailed(EMPTY, assertThrows(PSQLException.class, () -> pgmux.jdbc(EMPTY, "x", Map.of()).close()));
            assertPasswordFailed(NONE, assertThrows(PSQLException.class, () -> pgmux.jdbc(NONE, "x", Map.of()).close()));
            // the stats user without a password cannot open the console; the admin can
            assertPasswordFailed(UNLISTED_STATS, assertThrows(PSQLException.class,
                    () -> pgmux.jdbcTo("pgbouncer", UNLISTED_STATS, "x", Map.of("preferQueryMode", "simple")).close()));
            try (RawClient console = RawClient.open(pgmux.host(), pgmux.port()).loginWithPassword("pgbouncer", GOOD, GOOD_PASSWORD)) {
                assertNull(Console.show(console, "SHOW POOLS").error());
            }
        }
    }

    @Test
    void reloadAppliesAConfigWithImperfectEntries() throws Exception {
        try (Pgmux pgmux = Pgmux.start(GOOD_ONLY + "pool_size: 3\n");
             RawClient console = RawClient.open(pgmux.host(), pgmux.port()).loginWithPassword("pgbouncer", GOOD, GOOD_PASSWORD)) {
            // when: the file gains the imperfect entries and a new pool_size, and RELOAD
            pgmux.rewriteConfig(IMPERFECT + "pool_size: 7\n");
            Console.Result reload = Console.show(console, "RELOAD");

            // then: the reload is applied (pool_size with it), the good user still logs in, the imperfect ones fail
            assertNull(reload.error(), () -> String.valueOf(reload.error()));
            assertEquals(List.of("7"), Console.show(console, "SHOW CONFIG").where("key", "pool_size").stream()
                    .map(row -> row.get("value")).toList());
            try (Connection c = pgmux.jdbc(GOOD, GOOD_PASSWORD, Map.of())) {
                assertEquals(GOOD, TestSql.scalar(c, "SELECT current_user"));
            }
            assertPasswordFailed(MD5, assertThrows(PSQLException.class, () -> pgmux.jdbc(MD5, MD5_PASSWORD, Map.of()).close()));
        }
    }
}
