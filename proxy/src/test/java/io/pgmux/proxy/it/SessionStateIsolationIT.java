package io.pgmux.proxy.it;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.message.Execute;
import io.pgmux.protocol.message.Parse;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Session state never crosses from one client to the next on the same server, and a client's own
 * settings never make its next server sync fail: SET ROLE, SET SESSION AUTHORIZATION,
 * multi-statement SETs, set_config, ROLLBACK / COMMIT / PREPARE TRANSACTION, odd spellings. Each
 * case was a bug found in review (the comments say what went wrong before, and what Postgres does).
 * Every test uses its own pgmux with one server per pool, so clients A and B always share the same
 * server connection.
 */
class SessionStateIsolationIT {
    private static final String USER = "review_user";
    private static final String TENANT = "review_tenant";
    /** A role whose unquoted name Postgres keeps as is (it folds only ASCII letters), Java does not. */
    private static final String NON_ASCII_ROLE = "Ünal";
    private static final String OPTS = "review_opts";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux()
            .role(USER)
            .role(TENANT, "NOLOGIN")
            .role("\"" + NON_ASCII_ROLE + "\"", "NOLOGIN")
            .sql("GRANT " + TENANT + " TO " + USER + "; GRANT \"" + NON_ASCII_ROLE + "\" TO " + USER)
            .sql("DROP SCHEMA IF EXISTS " + OPTS + " CASCADE; CREATE SCHEMA " + OPTS + "; GRANT USAGE ON SCHEMA " + OPTS + " TO PUBLIC")
            .sql("DROP SCHEMA IF EXISTS \"review_schéma\" CASCADE; CREATE SCHEMA \"review_schéma\"; GRANT USAGE ON SCHEMA \"review_schéma\" TO PUBLIC")
            .sql("DROP TABLE IF EXISTS review_who; CREATE TABLE review_who (tag text, who text); GRANT ALL ON review_who TO PUBLIC");
    private Pgmux pgmux;

    @BeforeEach
    void startPgmux() {
        pgmux = fixture.start("pool_size: 1\nquery_wait_timeout: 30s\n");
    }

    // ---------------------------------------------------------------- set_config: the "unknown" mark is lost

    /**
     * A session set_config marks the server unknown when the query is SENT; the next take of that
     * server injects a reset-first sync and sends the client's query right behind it. When that
     * query is itself a session set_config, its mark is set before the sync completes, and the
     * sync's completion (ParameterSync.applyTo -> ServerParameters.resetEverything) clears it
     * again, although the set_config runs on the server after the reset. The second set_config
     * (here: a role, as row-level-security apps do per request) reaches the next client. Postgres:
     * B is a separate session, it never sees A's role or search_path.
     */
    @Test
    void aSessionSetConfigRunRightBehindTheResetSyncStillNeverReachesTheNextClient() throws Exception {
        String probe = "SELECT current_user || ' / ' || current_setting('search_path')";
        try (RawClient a = pgmux.raw(USER); RawClient b = pgmux.raw(USER)) {
            String defaults = TestSql.value(b, probe);
            assertEquals(USER + " / \"$user\", public", defaults);
            TestSql.assertOk(a.query("SELECT pg_catalog.set_config('search_path', '" + OPTS + "', false)"));
            assertEquals(defaults, TestSql.value(b, probe), "the first set_config is reset before B (as designed)");
            // when: A calls set_config in two transactions in a row
            TestSql.assertOk(a.query("SELECT set_config('search_path', '" + OPTS + "', false)"));
            TestSql.assertOk(a.query("SELECT set_config('role', '" + TENANT + "', false), set_config('search_path', '" + OPTS + "', false)"));
            // then: B must still run as itself, with its own search_path
            assertEquals(defaults, TestSql.value(b, probe), "A's second set_config reached B");
        }
    }

    // ---------------------------------------------------------------- session_authorization

    /**
     * A superuser client runs SET SESSION AUTHORIZATION: the ParameterStatus marks the server
     * unknown, so the client's next transaction resyncs it (RESET SESSION AUTHORIZATION; RESET ALL;
     * set_config('session_authorization', ...)), which clears "unknown". session_authorization is
     * a reported setting, so it never is among the server's "applied" leftovers, and the next
     * client, which has no session_authorization of its own, gets no reset of it: it runs as A's
     * user. Postgres: B's session user is B's login user.
     */
    @Test
    void aSessionAuthorizationResyncedForItsClientNeverReachesTheNextClient() throws Exception {
        String who = "SELECT session_user || ' ' || current_user";
        try (RawClient a = pgmux.raw(TestPostgres.SUPERUSER); RawClient b = pgmux.raw(TestPostgres.SUPERUSER)) {
            TestSql.assertOk(a.query("SET SESSION AUTHORIZATION " + USER));
            assertEquals(USER + " " + USER, TestSql.value(a, who));
            assertEquals("postgres postgres", TestSql.value(b, who));
        }
    }

    /**
     * SET ROLE then SET SESSION AUTHORIZATION: in Postgres the role is no longer active
     * (current_user = the new session user, SHOW role = none). pgmux keeps the tracked role and
     * its resync sets it again after the authorization: A's own next transaction runs as the role.
     */
    @Test
    void setSessionAuthorizationAfterSetRoleLeavesTheRoleInactiveAsInPostgres() throws Exception {
        try (RawClient a = pgmux.raw(TestPostgres.SUPERUSER)) {
            TestSql.assertOk(a.query("SET ROLE " + TENANT));
            TestSql.assertOk(a.query("SET SESSION AUTHORIZATION " + USER));
            assertEquals(USER + " " + USER + " none",
                    outcome(a, "SELECT session_user || ' ' || current_user || ' ' || current_setting('role')"));
        }
    }

    // ---------------------------------------------------------------- the parameter sync fails: clients die, queries run under another client's role

    /**
     * {@code SET role TO DEFAULT} (generic SET syntax, same as RESET ROLE in Postgres) is read by
     * CommandReader.readRole as SET ROLE to a role named "default". The next sync of that client
     * runs set_config('role', 'default', false): ERROR role "default" does not exist, and pgmux
     * closes the client with FATAL. Postgres: the client just has no role set.
     */
    @Test
    void setRoleToDefaultIsAResetOfTheRole() throws Exception {
        try (RawClient a = pgmux.raw(USER); RawClient b = pgmux.raw(USER)) {
            TestSql.assertOk(a.query("SET ROLE " + TENANT));
            TestSql.assertOk(a.query("SET role TO DEFAULT"));
            assertEquals(USER, TestSql.value(a, "SELECT current_user::text"));
            // B takes the server (its sync resets the role pgmux thinks A left)
            assertEquals(USER, TestSql.value(b, "SELECT current_user::text"));
            // then: A's next transaction must work as in Postgres
            assertEquals(USER, outcome(a, "SELECT current_user::text"));
        }
    }

    /**
     * When the sync fails, the client's own query was already sent behind it and runs on the
     * server in the state the previous client left: here B's SET ROLE. A (whose tracked role is
     * the bogus "default", see above) gets FATAL, but its INSERT ran as B's role first.
     */
    @Test
    void aClientsQueryNeverRunsUnderThePreviousClientsRole() throws Exception {
        TestPostgres.get().execute("DELETE FROM review_who WHERE tag = 'failed-sync'");
        try (RawClient a = pgmux.raw(USER); RawClient b = pgmux.raw(USER)) {
            TestSql.assertOk(a.query("SET role = DEFAULT"));
            TestSql.assertOk(b.query("SET ROLE " + TENANT));
            outcome(a, "INSERT INTO review_who VALUES ('failed-sync', current_user) RETURNING who");
            Thread.sleep(300);
            String rows = TestSql.direct("SELECT coalesce(string_agg(who, ','), '') FROM review_who WHERE tag = 'failed-sync'");
            assertEquals(USER, rows, "A's statement must run as A (or not at all), never as B's role");
        }
    }

    /**
     * A superuser pool. A sets a superuser-only setting, then SET ROLE to an unprivileged role.
     * B's sync is "RESET log_statement; RESET role" (leftovers are reset in name order, the role
     * last): the first RESET runs as A's role and fails (permission denied), so B gets FATAL for
     * nothing it did, and B's query runs as A's role. Postgres: B is a fresh superuser session.
     */
    @Test
    void aRoleLeftByTheLastClientIsResetBeforeAnyOtherSetting() throws Exception {
        TestPostgres.get().execute("DELETE FROM review_who WHERE tag = 'superuser-b'");
        try (RawClient a = pgmux.raw(TestPostgres.SUPERUSER); RawClient b = pgmux.raw(TestPostgres.SUPERUSER)) {
            TestSql.assertOk(a.query("SET log_statement = 'none'"));
            TestSql.assertOk(a.query("SET ROLE " + TENANT));
            assertEquals(TENANT, TestSql.value(a, "SELECT current_user::text"));
            String seenByB = outcome(b, "INSERT INTO review_who VALUES ('superuser-b', current_user) RETURNING who");
            Thread.sleep(300);
            String inserted = TestSql.direct("SELECT coalesce(string_agg(who, ','), '') FROM review_who WHERE tag = 'superuser-b'");
            assertAll(
                    () -> assertEquals(TestPostgres.SUPERUSER, seenByB, "B's INSERT through pgmux"),
                    () -> assertEquals(TestPostgres.SUPERUSER, inserted, "B's INSERT must run as B"));
        }
    }

    /**
     * The same order problem for the client's own settings: A (superuser pool) runs
     * SET session_replication_role = replica; SET ROLE tenant. Postgres keeps both. After another
     * client used the server, A's sync sets them in name order, role before
     * session_replication_role, and the second set_config fails as the unprivileged role: FATAL.
     */
    @Test
    void aClientsOwnRoleIsSetAfterItsOtherSettings() throws Exception {
        try (RawClient a = pgmux.raw(TestPostgres.SUPERUSER); RawClient b = pgmux.raw(TestPostgres.SUPERUSER)) {
            TestSql.assertOk(a.query("SET session_replication_role = replica"));
            TestSql.assertOk(a.query("SET ROLE " + TENANT));
            assertEquals(TENANT + " replica", outcomeAfter(b, a, "SELECT current_user || ' ' || current_setting('session_replication_role')"));
        }
    }

    /**
     * sql.Words folds an unquoted role name with String.toLowerCase (every letter);
     * Postgres folds only ASCII A-Z. SET ROLE Ünal works directly, pgmux records "ünal", and the
     * client's next sync fails: FATAL role "ünal" does not exist.
     */
    @Test
    void anUnquotedNonAsciiRoleNameIsFoldedAsPostgresFoldsIt() throws Exception {
        try (RawClient a = pgmux.raw(USER); RawClient b = pgmux.raw(USER)) {
            TestSql.assertOk(a.query("SET ROLE " + NON_ASCII_ROLE));
            assertEquals(NON_ASCII_ROLE, TestSql.value(a, "SELECT current_user::text"));
            assertEquals(NON_ASCII_ROLE, outcomeAfter(b, a, "SELECT current_user::text"));
        }
    }

    /**
     * SET values are taken as raw text by Tokens.rest(): an escape string E'5s' becomes "E5s",
     * a dollar-quoted $$5s$$ stays "$$5s$$". Both are valid SET syntax in Postgres (value 5s);
     * pgmux's next sync of the client fails with "invalid value for parameter": FATAL.
     */
    @Test
    void aSetValueWrittenAsAnEscapeOrDollarStringFollowsTheClient() throws Exception {
        try (RawClient a = pgmux.raw(USER); RawClient b = pgmux.raw(USER);
             RawClient c = pgmux.raw(USER); RawClient d = pgmux.raw(USER)) {
            TestSql.assertOk(a.query("SET statement_timeout = E'5s'"));
            TestSql.assertOk(c.query("SET statement_timeout = $$6s$$"));
            assertEquals("5s", outcomeAfter(b, a, "SHOW statement_timeout"));
            assertEquals("6s", outcomeAfter(d, c, "SHOW statement_timeout"));
        }
    }

    /**
     * SET search_path = 'Mixed Case' (a string): Postgres quotes string items of a list setting
     * ("Mixed Case"); pgmux stores Mixed Case unquoted and syncs it with set_config, where it is
     * invalid list syntax (FATAL), and 'ReviewSchema' becomes the case-folded reviewschema.
     */
    @Test
    void aSearchPathGivenAsAStringIsSyncedAsAQuotedName() throws Exception {
        TestPostgres.get().execute("DROP SCHEMA IF EXISTS \"ReviewSchema\" CASCADE; CREATE SCHEMA \"ReviewSchema\";"
                + " GRANT USAGE ON SCHEMA \"ReviewSchema\" TO PUBLIC");
        try (RawClient a = pgmux.raw(USER); RawClient b = pgmux.raw(USER); RawClient c = pgmux.raw(USER)) {
            TestSql.assertOk(a.query("SET search_path = 'ReviewSchema'"));
            assertEquals("\"ReviewSchema\"", TestSql.value(a, "SHOW search_path"), "as Postgres spells it");
            TestSql.assertOk(c.query("SET search_path = 'Mixed Case'"));
            assertEquals("\"Mixed Case\"", TestSql.value(c, "SHOW search_path"), "as Postgres spells it");
            TestSql.assertOk(b.query("SELECT 1"));
            assertAll(
                    () -> assertEquals("ReviewSchema", outcome(a, "SELECT coalesce(current_schema()::text, '<none>')")),
                    () -> assertEquals("\"Mixed Case\"", outcome(c, "SHOW search_path")));
        }
    }

    /**
     * A LATIN1 client's SET value is decoded as UTF-8 (SqlCommand.of / MultiStatementQuery.statementsMentioningSet):
     * é becomes U+FFFD, which the next sync cannot even send in LATIN1: FATAL. Postgres: the
     * client keeps its search_path.
     */
    @Test
    void aNonAsciiSetValueFromALatin1ClientNeverBreaksItsNextSync() throws Exception {
        try (RawClient a = pgmux.raw(USER, Map.of("client_encoding", "LATIN1")); RawClient b = pgmux.raw(USER)) {
            TestSql.assertOk(TestSql.queryInCharset(a, "SET search_path = 'review_schéma'", StandardCharsets.ISO_8859_1));
            assertEquals("t", outcomeAfter(b, a, "SELECT current_schema() IS NOT NULL"));
        }
    }

    /**
     * SET transaction_isolation (a per-transaction setting) is tracked like a session setting.
     * The client's next sync runs RESET transaction_isolation; SELECT set_config(...) in one
     * query, which fails ("must be called before any query"): FATAL. Postgres: a no-op.
     */
    @Test
    void setTransactionIsolationIsNotASessionSetting() throws Exception {
        try (RawClient a = pgmux.raw(USER); RawClient b = pgmux.raw(USER)) {
            TestSql.assertOk(a.query("SET transaction_isolation = 'serializable'"));
            assertEquals("1", outcomeAfter(b, a, "SELECT 1"));
        }
    }

    // ---------------------------------------------------------------- committed SETs forgotten, rolled-back SETs kept

    /**
     * A SET committed by a COMMIT inside a multi-statement query is only moved to
     * settingsInTransaction, which is applied at an idle ReadyForQuery. When the query ends in a
     * new transaction (or COMMIT AND CHAIN is used) and that one rolls back, the ROLLBACK drops
     * the committed SET (and resets the server). Postgres: work_mem stays 5MB / 6MB.
     */
    @Test
    void aSetCommittedBeforeALaterTransactionSurvivesThatOnesRollback() throws Exception {
        try (RawClient a = pgmux.raw(USER); RawClient c = pgmux.raw(USER)) {
            TestSql.assertOk(a.query("BEGIN; SET work_mem = '5MB'; COMMIT; BEGIN; SELECT 1"));
            TestSql.assertOk(a.query("ROLLBACK"));
            for (String step : List.of("BEGIN", "SET work_mem = '6MB'", "COMMIT AND CHAIN", "ROLLBACK")) {
                TestSql.assertOk(c.query(step));
            }
            assertAll(
                    () -> assertEquals("5MB", outcome(a, "SHOW work_mem"), "multi-statement COMMIT; BEGIN"),
                    () -> assertEquals("6MB", outcome(c, "SHOW work_mem"), "COMMIT AND CHAIN"));
        }
    }

    /**
     * PREPARE TRANSACTION keeps the transaction's SETs for the session (the docs: "in this one
     * respect PREPARE TRANSACTION acts more like COMMIT"), but its tag is not COMMIT: a later
     * error in the same query makes pgmux discard them while they stay on the server, where the
     * next client finds them. Needs max_prepared_transactions > 0 (the test cluster has 0, so this
     * test is skipped there; reproduced by hand on Postgres 15 with max_prepared_transactions=5).
     */
    @Test
    void aSetKeptByPrepareTransactionStaysWithItsClientAndNeverReachesTheNextClient() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Integer.parseInt(TestSql.direct("SHOW max_prepared_transactions")) > 0,
                "needs max_prepared_transactions > 0");
        try (RawClient a = pgmux.raw(USER); RawClient b = pgmux.raw(USER)) {
            String defaults = TestSql.value(b, "SHOW work_mem");
            try {
                TestSql.error(a.query("BEGIN; SET work_mem = '9MB'; PREPARE TRANSACTION 'review_ptx'; SELECT 1/0"));
                assertAll(
                        () -> assertEquals(defaults, TestSql.value(b, "SHOW work_mem"), "A's SET reached B"),
                        () -> assertEquals("9MB", TestSql.value(a, "SHOW work_mem"), "Postgres keeps it for A"));
            } finally {
                TestPostgres.get().execute("ROLLBACK PREPARED 'review_ptx'");
            }
        }
    }

    /**
     * Extended protocol: the statements up to a Sync are one implicit transaction. A SET that
     * completed before an error in the same batch is rolled back by Postgres, but pgmux keeps it
     * (onExtendedError does not drop settingsInTransaction) and applies it to the client and
     * syncs it to its next server. Postgres: statement_timeout is still 0.
     */
    @Test
    void aSetRolledBackByAnErrorLaterInItsExtendedBatchIsForgotten() throws Exception {
        try (RawClient a = pgmux.raw(USER); RawClient b = pgmux.raw(USER)) {
            a.send(new Parse("", "SET statement_timeout = '7s'", new int[0])).bind("", "").send(new Execute("", 0))
                    .send(new Parse("", "SELECT 1/0", new int[0])).bind("", "").send(new Execute("", 0))
                    .sync().flush();
            List<Reply> replies = a.readUntilReady();
            assertEquals("22012", TestSql.error(replies).sqlState());
            assertEquals("0", TestSql.value(a, "SHOW statement_timeout"), "rolled back on the server");
            assertEquals("0", outcomeAfter(b, a, "SHOW statement_timeout"));
        }
    }

    // ---------------------------------------------------------------- the statement splitter and the set_config scan

    /**
     * StatementSplitter.statementStarts treats any quote preceded by e/E as an escape string, so the
     * typed literal name'a\' (type "name" ends in e) swallows the rest of the query: the SET
     * after it is not tracked and stays on the server for B. Postgres runs three statements.
     */
    @Test
    void aTypedLiteralAfterAWordEndingInEHidesNoSet() throws Exception {
        try (RawClient a = pgmux.raw(USER); RawClient b = pgmux.raw(USER)) {
            String defaults = TestSql.value(b, "SHOW work_mem");
            TestSql.assertOk(a.query("SELECT name'a\\'; SET work_mem = '7MB'; SELECT 1"));
            assertEquals(defaults, TestSql.value(b, "SHOW work_mem"), "A's SET reached B");
        }
    }

    /**
     * With standard_conforming_strings = off (a setting pgmux itself syncs per client) Postgres
     * reads \' in a plain string as a quote; the splitter does not. Either a SET is hidden (it
     * reaches B), or a SET inside a string literal is counted as a statement and becomes the
     * client's setting (statement_timeout 1ms) although Postgres never ran it.
     */
    @Test
    void backslashQuotesUnderNonStandardStringsSplitAsPostgresSplits() throws Exception {
        try (RawClient a = pgmux.raw(USER, Map.of("standard_conforming_strings", "off"));
             RawClient b = pgmux.raw(USER)) {
            String defaults = TestSql.value(b, "SHOW work_mem");
            TestSql.assertOk(a.query("SELECT 'a\\''; SET work_mem = '8MB'; SELECT 1"));
            String seenByB = TestSql.value(b, "SHOW work_mem");
            TestSql.assertOk(a.query("SELECT 'x\\'; SET statement_timeout = 1; SELECT '; SELECT 2"));
            assertEquals("0", TestSql.value(a, "SHOW statement_timeout"), "Postgres did not run that SET");
            String seenByA = outcomeAfter(b, a, "SHOW statement_timeout");
            assertAll(
                    () -> assertEquals(defaults, seenByB, "hidden SET reached B"),
                    () -> assertEquals("0", seenByA, "phantom SET became A's setting"));
        }
    }

    /**
     * SetConfigCalls.maySetConfigForTheSession(String) finds the call in sql.toLowerCase(Locale.ROOT)
     * and reads the arguments at the same index in sql; 'İ' lower-cases to two chars, so after one
     * the indices differ and the call is missed. Also missed: a quoted function name, a comment
     * before the parenthesis, and UPDATE pg_settings (Postgres's documented equivalent of SET,
     * a rule calling set_config). Each change reaches B.
     */
    @Test
    void everySpellingOfASessionSetConfigIsContained() throws Exception {
        List<String> spellings = List.of(
                "SELECT 'İ', set_config('search_path', '" + OPTS + "', false)",
                "SELECT \"set_config\"('search_path', '" + OPTS + "', false)",
                "SELECT pg_catalog.set_config/**/('search_path', '" + OPTS + "', false)",
                "UPDATE pg_settings SET setting = '" + OPTS + "' WHERE name = 'search_path'");
        // control: the plain spelling is detected and reset before B
        try (Pgmux own = Pgmux.start("pool_size: 1\n"); RawClient a = own.raw(USER); RawClient b = own.raw(USER)) {
            TestSql.assertOk(b.query("SELECT 1"));
            TestSql.assertOk(a.query("SELECT 'I', set_config('search_path', '" + OPTS + "', false)"));
            assertEquals("\"$user\", public", TestSql.value(b, "SHOW search_path"), "control");
        }
        String[] seen = new String[spellings.size()];
        for (int i = 0; i < spellings.size(); i++) {
            try (Pgmux own = Pgmux.start("pool_size: 1\n"); RawClient a = own.raw(USER); RawClient b = own.raw(USER)) {
                TestSql.assertOk(b.query("SELECT 1"));
                TestSql.assertOk(a.query(spellings.get(i)));
                seen[i] = TestSql.value(b, "SHOW search_path");
            }
        }
        assertAll(
                () -> assertEquals("\"$user\", public", seen[0], spellings.get(0)),
                () -> assertEquals("\"$user\", public", seen[1], spellings.get(1)),
                () -> assertEquals("\"$user\", public", seen[2], spellings.get(2)),
                () -> assertEquals("\"$user\", public", seen[3], spellings.get(3)));
    }

    /**
     * SET SESSION CHARACTERISTICS AS TRANSACTION ... (default_transaction_isolation, not
     * reported by Postgres) is classified OTHER and not listed among the untracked commands in
     * the README: it reaches the next client, whose transactions become SERIALIZABLE.
     */
    @Test
    void setSessionCharacteristicsNeverReachesTheNextClient() throws Exception {
        try (RawClient a = pgmux.raw(USER); RawClient b = pgmux.raw(USER)) {
            TestSql.assertOk(a.query("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE"));
            assertEquals("read committed", TestSql.value(b, "SHOW default_transaction_isolation"));
        }
    }

    // ---------------------------------------------------------------- helpers

    /** {@code other} runs a query first, so that {@code client} may get another server; then {@link #outcome} of {@code sql}. */
    private static String outcomeAfter(RawClient other, RawClient client, String sql) throws IOException {
        TestSql.assertOk(other.query("SELECT 1"));
        return outcome(client, sql);
    }

    /** The single value {@code sql} returns, or the error / lost connection, as text for a readable assertion. */
    private static String outcome(RawClient client, String sql) {
        String error = null;
        String value = null;
        try {
            client.send(new io.pgmux.protocol.message.Query(sql)).flush();
            while (true) {
                Reply reply = client.read();
                if (reply.type() == Backend.ERROR_RESPONSE) {
                    error = reply.error().severity() + " " + reply.error().sqlState() + " " + reply.error().message();
                    if (reply.error().isFatal()) {
                        return error;
                    }
                } else if (reply.type() == Backend.DATA_ROW && value == null) {
                    value = reply.row().get(0);
                } else if (reply.type() == Backend.READY_FOR_QUERY) {
                    return error != null ? error : value;
                }
            }
        } catch (IOException e) {
            return error != null ? error : "connection lost: " + e;
        }
    }
}
