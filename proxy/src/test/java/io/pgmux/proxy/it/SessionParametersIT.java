package io.pgmux.proxy.it;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;

import static io.pgmux.proxy.testing.TestSql.row;
import static io.pgmux.proxy.testing.TestSql.scalar;
import static io.pgmux.proxy.testing.TestSql.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The settings a client sees are its own, whichever pooled server runs its transaction: startup
 * parameters, {@code options}, and reported settings it changes with SET, never another client's.
 */
class SessionParametersIT {
    private static final String USER = "sessparam_user";
    /** A role {@link #USER} may SET ROLE to. */
    private static final String TENANT = "sessparam_tenant";
    private static final String KOLKATA = "Asia/Kolkata";
    private static final int KOLKATA_OFFSET = 19_800;
    private static final String HONOLULU = "Pacific/Honolulu";
    private static final int HONOLULU_OFFSET = -36_000;
    private static final String CLOCK = "SELECT current_setting('TimeZone'), extract(timezone FROM now())::int, pg_backend_pid()";

    @RegisterExtension
    static final PgmuxFixture pgmux = PgmuxFixture.withConfig("pool_size: 1\nquery_wait_timeout: 30s\n")
            .role(USER)
            .role(TENANT, "NOLOGIN")
            .sql("GRANT " + TENANT + " TO " + USER)
            .sql("DROP TABLE IF EXISTS sessparam_text; CREATE TABLE sessparam_text (id serial, v text)")
            .sql("DROP SCHEMA IF EXISTS sessparam_opts CASCADE; CREATE SCHEMA sessparam_opts")
            .sql("DROP SCHEMA IF EXISTS \"sessparam_schéma\" CASCADE; CREATE SCHEMA \"sessparam_schéma\"")
            .sql("GRANT ALL ON sessparam_text, sessparam_text_id_seq TO " + USER
                    + "; GRANT USAGE ON SCHEMA sessparam_opts, \"sessparam_schéma\" TO " + USER)
            .sql("GRANT CREATE ON SCHEMA sessparam_opts TO " + USER);

    @Test
    void clientsWithDifferentTimeZonesSharingOneServerEachSeeTheirOwn() throws Exception {
        // given: a client asking for Asia/Kolkata in its startup packet, and pgJDBC sending the JVM's zone
        try (RawClient kolkata = pgmux.raw(USER, Map.of("TimeZone", KOLKATA));
             Connection honolulu = jdbcInZone(HONOLULU)) {
            assertEquals(KOLKATA, kolkata.parameters().get("TimeZone"), "welcome reports the client's zone");
            int sharedPid = -1;
            for (int i = 0; i < 25; i++) {
                // when: they take turns on the one server
                List<String> k = row(kolkata.query(CLOCK));
                List<String> h = jdbcRow(honolulu, CLOCK);
                // then: each sees its own zone and its own offset of now()
                assertEquals(List.of(KOLKATA, Integer.toString(KOLKATA_OFFSET)), k.subList(0, 2), "round " + i);
                assertEquals(List.of(HONOLULU, Integer.toString(HONOLULU_OFFSET)), h.subList(0, 2), "round " + i);
                if (sharedPid == -1) {
                    sharedPid = Integer.parseInt(k.get(2));
                }
                assertEquals(sharedPid, Integer.parseInt(k.get(2)), "pool_size 1: always the same server");
                assertEquals(sharedPid, Integer.parseInt(h.get(2)), "pool_size 1: always the same server");
            }
        }
    }

    @Test
    void setTimeZoneFollowsTheClientAndDoesNotLeakToTheOtherClient() throws Exception {
        try (RawClient a = pgmux.raw(USER, Map.of("TimeZone", KOLKATA));
             Connection b = jdbcInZone(HONOLULU)) {
            // when: A changes its zone in one transaction
            TestSql.assertOk(a.query("SET TimeZone = 'Europe/Helsinki'"));
            // then: B, next on the same server, keeps its own; A keeps the new one
            assertEquals(HONOLULU, scalar(b, "SELECT current_setting('TimeZone')"));
            assertEquals("Europe/Helsinki", value(a, "SELECT current_setting('TimeZone')"));
            assertEquals(HONOLULU, scalar(b, "SELECT current_setting('TimeZone')"));

            // when: A sets another zone in a transaction that rolls back
            TestSql.assertOk(a.query("BEGIN; SET TimeZone = 'America/Sao_Paulo'"));
            TestSql.assertOk(a.query("ROLLBACK"));
            // then: the rolled-back SET is gone for A, and never reached B
            assertEquals(HONOLULU, scalar(b, "SELECT current_setting('TimeZone')"));
            assertEquals("Europe/Helsinki", value(a, "SELECT current_setting('TimeZone')"));
        }
    }

    @Test
    void setTimeZoneFollowsTheClientToAnotherServer() throws Exception {
        try (Pgmux two = Pgmux.start("pool_size: 2\n");
             RawClient a = two.raw(USER, Map.of("TimeZone", KOLKATA));
             RawClient b = two.raw(USER)) {
            // given: A set its zone on the pool's only server
            TestSql.assertOk(a.query("SET TimeZone = 'Europe/Helsinki'"));
            String firstPid = value(a, "SELECT pg_backend_pid()");
            // and B now holds that server in a transaction
            assertEquals(TransactionStatus.IN_TRANSACTION, TestSql.status(b.query("BEGIN")));
            assertEquals(firstPid, value(b, "SELECT pg_backend_pid()"));
            assertEquals("UTC", value(b, "SELECT current_setting('TimeZone')"));
            // when: A runs its next transaction, on a second server
            List<String> seen = row(a.query(CLOCK));
            // then: its zone came along
            assertNotEquals(firstPid, seen.get(2), "A is on another server");
            assertEquals(List.of("Europe/Helsinki", Integer.toString(offsetOf("Europe/Helsinki"))), seen.subList(0, 2));
            TestSql.assertOk(b.query("COMMIT"));
        }
    }

    @Test
    void dateStyleIntervalStyleApplicationNameAndStringSyntaxBelongToEachClient() throws Exception {
        Map<String, String> germanStartup = new LinkedHashMap<>();
        germanStartup.put("DateStyle", "German");
        germanStartup.put("IntervalStyle", "sql_standard");
        germanStartup.put("application_name", "sessparam_a");
        germanStartup.put("standard_conforming_strings", "off");
        String probe = "SELECT '2024-03-05'::date::text, interval '1 day 2 hours'::text, current_setting('application_name'),"
                + " length('a\\nb'), (SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid())";
        try (RawClient a = pgmux.raw(USER, germanStartup);
             RawClient b = pgmux.raw(USER, Map.of("application_name", "sessparam_b"))) {
            // the welcome shows each client its own settings, as the server spells them
            assertEquals("German, DMY", a.parameters().get("DateStyle"));
            assertEquals("sql_standard", a.parameters().get("IntervalStyle"));
            assertEquals("sessparam_a", a.parameters().get("application_name"));
            assertEquals("off", a.parameters().get("standard_conforming_strings"));
            assertEquals("ISO, MDY", b.parameters().get("DateStyle"));
            assertEquals("postgres", b.parameters().get("IntervalStyle"));
            assertEquals("sessparam_b", b.parameters().get("application_name"));
            assertEquals("on", b.parameters().get("standard_conforming_strings"));
            for (int i = 0; i < 5; i++) {
                // when they alternate on one server, each query runs under its own client's settings
                assertEquals(List.of("05.03.2024", "1 2:00:00", "sessparam_a", "3", "sessparam_a"), row(a.query(probe)), "round " + i);
                assertEquals(List.of("2024-03-05", "1 day 02:00:00", "sessparam_b", "4", "sessparam_b"), row(b.query(probe)), "round " + i);
            }
        }
    }

    @Test
    void eachClientGetsNonAsciiTextInItsOwnClientEncoding() throws Exception {
        TestPostgres.get().execute("TRUNCATE sessparam_text");
        try (RawClient latin1 = pgmux.raw(USER, Map.of("client_encoding", "LATIN1"));
             RawClient utf8 = pgmux.raw(USER)) {
            assertEquals("LATIN1", latin1.parameters().get("client_encoding"));
            assertEquals("UTF8", utf8.parameters().get("client_encoding"));
            // when: each inserts a non-ASCII value in its own encoding, taking turns on one server
            TestSql.assertOk(TestSql.queryInCharset(latin1, "INSERT INTO sessparam_text (v) VALUES ('é')", StandardCharsets.ISO_8859_1));
            TestSql.assertOk(TestSql.queryInCharset(utf8, "INSERT INTO sessparam_text (v) VALUES ('ü')", StandardCharsets.UTF_8));
            for (int i = 0; i < 3; i++) {
                // then: each reads both values back in its own encoding
                String select = "SELECT string_agg(v, '' ORDER BY id), string_agg(ascii(v)::text, ',' ORDER BY id) FROM sessparam_text";
                List<Reply> fromLatin1 = TestSql.queryInCharset(latin1, select, StandardCharsets.ISO_8859_1);
                List<Reply> fromUtf8 = TestSql.queryInCharset(utf8, select, StandardCharsets.UTF_8);
                assertArrayEquals("éü".getBytes(StandardCharsets.ISO_8859_1), firstColumnBytes(fromLatin1), "round " + i);
                assertArrayEquals("éü".getBytes(StandardCharsets.UTF_8), firstColumnBytes(fromUtf8), "round " + i);
                assertEquals("233,252", row(fromLatin1).get(1), "the server stored the characters, not the bytes");
                assertEquals("233,252", row(fromUtf8).get(1));
            }
        }
        assertEquals("éü", TestSql.direct("SELECT string_agg(v, '' ORDER BY id) FROM sessparam_text"));
    }

    @Test
    void nonAsciiStartupSettingSurvivesTheServerComingFromALatin1Client() throws Exception {
        // given: a LATIN1 client used the shared server last
        try (RawClient latin1 = pgmux.raw(USER, Map.of("client_encoding", "LATIN1"))) {
            TestSql.assertOk(latin1.query("SELECT 1"));
            // when: a UTF8 client whose options name a non-ASCII schema logs in and takes turns with it
            try (RawClient utf8 = pgmux.raw(USER, Map.of("options", "-c search_path=sessparam_schéma"))) {
                for (int i = 0; i < 3; i++) {
                    // then: its search_path is the schema it named, not a re-encoding of it
                    assertEquals("sessparam_schéma", value(utf8, "SELECT current_schema()"), "round " + i);
                    assertEquals("LATIN1", value(latin1, "SELECT current_setting('client_encoding')"));
                }
            }
        }
    }

    @Test
    void optionsSettingsApplyToTheirClientOnlyAndAreResetForTheNext() throws Exception {
        String probe = "SELECT current_setting('search_path'), current_setting('statement_timeout')";
        List<String> defaults = List.of("\"$user\", public", "0");
        List<String> chosen = List.of("sessparam_opts", "500ms");
        try (Connection viaJdbc = pgmux.jdbc(USER, null, Map.of("options", "-c search_path=sessparam_opts -c statement_timeout=500"));
             RawClient viaStartup = pgmux.raw(USER, Map.of("search_path", "sessparam_opts", "statement_timeout", "500"));
             RawClient viaRawOptions = pgmux.raw(USER, Map.of("options", "--search-path=sessparam_opts -cstatement_timeout=500"));
             RawClient plain = pgmux.raw(USER)) {
            for (int i = 0; i < 3; i++) {
                // when: clients with and without the settings take turns on one server
                assertEquals(chosen, jdbcRow(viaJdbc, probe), "round " + i);
                assertEquals(defaults, row(plain.query(probe)), "round " + i);
                assertEquals(chosen, row(viaStartup.query(probe)), "round " + i);
                assertEquals(defaults, row(plain.query(probe)), "round " + i);
                assertEquals(chosen, row(viaRawOptions.query(probe)), "round " + i);
                assertEquals(defaults, row(plain.query(probe)), "round " + i);
            }
            // then: the settings take effect, not just show
            SQLException timedOut = assertThrows(SQLException.class, () -> scalar(viaJdbc, "SELECT pg_sleep(5)::text"));
            assertEquals("57014", timedOut.getSQLState());
            assertEquals("", value(plain, "SELECT pg_sleep(0.7)::text"), "no statement_timeout for the plain client");
        }
        // and a client arriving later, without them, finds the server defaults
        try (RawClient later = pgmux.raw(USER)) {
            assertEquals(defaults, row(later.query(probe)));
        }
    }

    @Test
    void invalidStartupSettingIsRefusedAtLoginWithTheServersError() throws Exception {
        Map<String, String> startup = Map.of("user", USER, "database", TestPostgres.DATABASE, "TimeZone", "Not/AZone");
        // given: what Postgres itself answers
        ErrorResponse direct = TestSql.loginError(TestPostgres.get().host(), TestPostgres.get().port(), startup);
        assertEquals("FATAL", direct.severity());
        assertEquals("22023", direct.sqlState());
        for (int attempt = 0; attempt < 2; attempt++) {
            // when: the same login through pgmux
            ErrorResponse viaPgmux = TestSql.loginError(pgmux.host(), pgmux.port(), startup);
            // then: the same refusal
            assertEquals("FATAL", viaPgmux.severity());
            assertEquals(direct.sqlState(), viaPgmux.sqlState());
            assertEquals(direct.message(), viaPgmux.message());
        }
        // and the pool's server is unharmed
        try (RawClient next = pgmux.raw(USER)) {
            assertEquals("UTC", value(next, "SELECT current_setting('TimeZone')"));
        }
    }

    @Test
    void normalizedStartupValueIsReportedAsTheServerSpellsIt() throws Exception {
        for (int attempt = 0; attempt < 2; attempt++) {
            try (RawClient client = pgmux.raw(USER, Map.of("DateStyle", "iso"))) {
                assertEquals("ISO, MDY", client.parameters().get("DateStyle"), "attempt " + attempt);
                assertEquals("ISO, MDY", value(client, "SHOW DateStyle"));
            }
        }
    }

    @Test
    void startupDateStyleIsNormalizedFromTheServerDefaultNotFromThePreviousClient() throws Exception {
        try (Pgmux fresh = Pgmux.start("pool_size: 1\n")) {
            // given: a client left the only server with a day-month-year date order
            try (RawClient german = fresh.raw(USER, Map.of("DateStyle", "German"))) {
                assertEquals("05.03.2024", value(german, "SELECT '2024-03-05'::date::text"));
            }
            // when: a client asks for DateStyle=iso, which names no date order, for the first time
            try (RawClient iso = fresh.raw(USER, Map.of("DateStyle", "iso"))) {
                // then: it gets what Postgres gives a new connection: the default order, month first
                assertEquals("ISO, MDY", iso.parameters().get("DateStyle"));
                assertEquals("2024-01-02", value(iso, "SELECT '01/02/2024'::date::text"));
            }
        }
    }

    @Test
    void resetTimeZoneGoesBackToTheClientsStartupValue() throws Exception {
        try (RawClient client = pgmux.raw(USER, Map.of("TimeZone", KOLKATA));
             RawClient other = pgmux.raw(USER)) {
            TestSql.assertOk(client.query("SET TimeZone = 'Europe/Helsinki'"));
            TestSql.assertOk(other.query("SELECT 1"));
            TestSql.assertOk(client.query("RESET TimeZone"));
            // Postgres resets a setting to the value the session started with
            assertEquals(KOLKATA, value(client, "SELECT current_setting('TimeZone')"));
        }
    }

    @Test
    void setRoleStaysWithTheClientThatSetItAndNeverReachesTheNext() throws Exception {
        try (RawClient a = pgmux.raw(USER); RawClient b = pgmux.raw(USER)) {
            String who = "SELECT current_user || ' ' || pg_backend_pid()";
            // when: A takes another role, B runs next on the pool's only server
            TestSql.assertOk(a.query("SET ROLE " + TENANT));
            String server = value(a, "SELECT pg_backend_pid()::text");
            for (int i = 0; i < 3; i++) {
                // then: B is itself, A keeps its role, on the same server
                assertEquals(USER + " " + server, value(b, who), "round " + i);
                assertEquals(TENANT + " " + server, value(a, who), "round " + i);
            }
            // RESET ALL leaves the role alone, as in Postgres; SET ROLE NONE and DISCARD ALL do not
            TestSql.assertOk(a.query("RESET ALL"));
            assertEquals(TENANT, value(a, "SELECT current_user::text"));
            TestSql.assertOk(a.query("SET ROLE NONE"));
            assertEquals(USER, value(a, "SELECT current_user::text"));
            TestSql.assertOk(a.query("SET role = '" + TENANT + "'"));
            assertEquals(USER, value(b, "SELECT current_user::text"));
            assertEquals(TENANT, value(a, "SELECT current_user::text"));
            TestSql.assertOk(a.query("DISCARD ALL"));
            assertEquals(USER, value(a, "SELECT current_user::text"));
            // a role set in a transaction that rolls back was never the client's
            TestSql.assertOk(a.query("BEGIN; SET ROLE " + TENANT));
            TestSql.assertOk(a.query("ROLLBACK"));
            assertEquals(USER, value(b, "SELECT current_user::text"));
            assertEquals(USER, value(a, "SELECT current_user::text"));
        }
    }

    @Test
    void settingsChangedInsideAMultiStatementQueryFollowTheirClient() throws Exception {
        String probe = "SELECT current_setting('search_path') || ' / ' || current_setting('statement_timeout')";
        try (RawClient a = pgmux.raw(USER); RawClient b = pgmux.raw(USER)) {
            String withWorkMem = probe + " || ' / ' || current_setting('work_mem')";
            String defaults = value(b, probe);
            String defaultsWithWorkMem = value(b, withWorkMem);
            assertEquals("\"$user\", public / 0", defaults);

            // when: A sets a schema in front of a statement of the same query
            assertEquals("1", value(a.query("SET search_path TO sessparam_opts; SELECT 1")));
            // then: it holds for A, and B, next on the same server, still has the defaults
            assertEquals(defaults, value(b, probe));
            assertEquals("sessparam_opts / 0", value(a, probe));

            // when: the query fails after its SET: Postgres rolls the implicit transaction back
            assertEquals("22012", TestSql.error(a.query("SET statement_timeout = '7s'; SELECT 1/0")).sqlState());
            assertEquals("sessparam_opts / 0", value(a, probe));
            // ...unless a COMMIT in the query came first
            assertEquals("22012", TestSql.error(a.query("BEGIN; SET statement_timeout = '8s'; COMMIT; SELECT 1/0")).sqlState());
            assertEquals(defaults, value(b, probe));
            assertEquals("sessparam_opts / 8s", value(a, probe));

            // semicolons in literals and comments, and empty statements, do not confuse the split
            TestSql.assertOk(a.query("SELECT 'x;y' /* ; */; ;; SET statement_timeout = '9s' -- ;\n; SET work_mem = '5MB'"));
            assertEquals(defaultsWithWorkMem, value(b, withWorkMem));
            assertEquals("sessparam_opts / 9s / 5MB", value(a, withWorkMem));

            // a query that ends inside a transaction keeps its SET until that transaction's end
            TestSql.assertOk(a.query("BEGIN; SET search_path TO public; SELECT 1"));
            TestSql.assertOk(a.query("ROLLBACK"));
            assertEquals("sessparam_opts / 9s", value(a, probe));
        }
    }

    @Test
    void aSetAfterAFunctionBodyInBeginAtomicFollowsItsClient() throws Exception {
        String probe = "SELECT current_setting('search_path')";
        try (RawClient a = pgmux.raw(USER); RawClient b = pgmux.raw(USER)) {
            String defaults = value(b, probe);
            // when: one query creates a function whose SQL-standard body holds semicolons and CASE ... END,
            // then sets a schema: Postgres runs two statements, not five
            TestSql.assertOk(a.query("CREATE OR REPLACE FUNCTION sessparam_opts.sessparam_sign(x int) RETURNS int LANGUAGE sql "
                    + "BEGIN ATOMIC SELECT 1; SELECT CASE WHEN x > 0 THEN 1 WHEN x < 0 THEN -1 ELSE 0 END; END; "
                    + "SET search_path TO sessparam_opts"));
            // then: B, next on the one server, has the defaults, and A keeps its schema, where its function is
            assertEquals(defaults, value(b, probe));
            assertEquals("sessparam_opts", value(a, probe));
            assertEquals("-1", value(a, "SELECT sessparam_sign(-5)"));
        }
    }

    @Test
    void aSessionSetConfigNeverReachesTheNextClientOnTheServer() throws Exception {
        String probe = "SELECT current_setting('search_path') || ' / ' || current_user";
        try (RawClient a = pgmux.raw(USER); RawClient b = pgmux.raw(USER);
             Connection named = pgmux.jdbc(USER, null, Map.of("prepareThreshold", "1"))) {
            String defaults = value(b, probe);
            assertEquals("\"$user\", public / " + USER, defaults);

            // when: A changes settings through set_config in a simple query, which pgmux cannot follow
            TestSql.assertOk(a.query("SELECT pg_catalog.SET_CONFIG('search_path', 'sessparam_opts', false), "
                    + "set_config('role', '" + TENANT + "', false)"));
            // then: the server is reset before the next client; A does not keep them either (a documented limit)
            assertEquals(defaults, value(b, probe));
            assertEquals(defaults, value(a, probe));

            // the same through pgJDBC: an unnamed statement first, then a named one (prepareThreshold=1)
            for (int i = 0; i < 3; i++) {
                try (java.sql.PreparedStatement set = named.prepareStatement("SELECT set_config(?, ?, false)")) {
                    set.setString(1, "search_path");
                    set.setString(2, "sessparam_opts");
                    set.executeQuery().close();
                }
                assertEquals(defaults, value(b, probe), "round " + i);
            }

            // a transaction-local set_config needs nothing, and ends with its transaction as usual
            assertEquals("sessparam_opts", value(a, "SELECT set_config('search_path', 'sessparam_opts', true)"));
            assertEquals(defaults, value(b, probe));
        }
    }

    @Test
    void aSetKeptThroughARollbackToSavepointNeverReachesTheNextClient() throws Exception {
        String probe = "SELECT current_setting('search_path')";
        try (RawClient a = pgmux.raw(USER); RawClient b = pgmux.raw(USER)) {
            String defaults = value(b, probe);
            // when: a SET before a savepoint survives ROLLBACK TO SAVEPOINT and the transaction commits
            for (String query : List.of("BEGIN", "SET search_path TO sessparam_opts", "SAVEPOINT s", "SELECT 1",
                    "ROLLBACK TO SAVEPOINT s", "COMMIT")) {
                TestSql.assertOk(a.query(query));
            }
            // then: the next client on the server does not get it (pgmux cannot tell which SETs the
            // savepoint undid: the server is reset, and A forgets them too: see the README)
            assertEquals(defaults, value(b, probe));

            // the same in one multi-statement query
            TestSql.assertOk(a.query("BEGIN; SET search_path TO sessparam_opts; SAVEPOINT s; ROLLBACK TO SAVEPOINT s; COMMIT"));
            assertEquals(defaults, value(b, probe));
        }
    }

    @Test
    void sessionAuthorizationFollowsTheClientThatSetIt() throws Exception {
        try (RawClient a = pgmux.raw(TestPostgres.SUPERUSER); RawClient b = pgmux.raw(TestPostgres.SUPERUSER)) {
            String who = "SELECT session_user || ' ' || current_user";
            TestSql.assertOk(a.query("SET SESSION AUTHORIZATION " + USER));
            assertEquals("postgres postgres", value(b, who));
            assertEquals(USER + " " + USER, value(a, who));
            TestSql.assertOk(a.query("RESET SESSION AUTHORIZATION"));
            assertEquals("postgres postgres", value(a, who));
        }
    }

    // ---------------------------------------------------------------- helpers

    /** pgJDBC sends the JVM's default zone as the startup TimeZone. */
    private static Connection jdbcInZone(String zone) throws SQLException {
        TimeZone previous = TimeZone.getDefault();
        TimeZone.setDefault(TimeZone.getTimeZone(zone));
        try {
            return pgmux.jdbc(USER);
        } finally {
            TimeZone.setDefault(previous);
        }
    }

    private static List<String> jdbcRow(Connection connection, String sql) throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next());
            String[] values = new String[rs.getMetaData().getColumnCount()];
            for (int i = 0; i < values.length; i++) {
                values[i] = rs.getString(i + 1);
            }
            return Arrays.asList(values);
        }
    }

    private static int offsetOf(String zone) {
        return ZoneId.of(zone).getRules().getOffset(Instant.now()).getTotalSeconds();
    }

    /** The first column of the first DataRow, as the bytes on the wire. */
    private static byte[] firstColumnBytes(List<Reply> replies) {
        for (Reply reply : replies) {
            if (reply.type() == Backend.DATA_ROW) {
                ByteBuffer body = ByteBuffer.wrap(reply.frame(), 5, reply.frame().length - 5);
                body.getShort();
                byte[] value = new byte[body.getInt()];
                body.get(value);
                return value;
            }
        }
        throw new AssertionError("no row in " + replies);
    }
}
