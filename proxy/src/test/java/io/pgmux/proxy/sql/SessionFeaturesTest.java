package io.pgmux.proxy.sql;

import io.pgmux.proxy.sql.FeatureUse.Action;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static io.pgmux.proxy.sql.SessionFeature.ADVISORY_LOCK;
import static io.pgmux.proxy.sql.SessionFeature.HOLD_CURSOR;
import static io.pgmux.proxy.sql.SessionFeature.LISTEN;
import static io.pgmux.proxy.sql.SessionFeature.LOAD;
import static io.pgmux.proxy.sql.SessionFeature.TEMP_OBJECT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Which session features a query takes and gives back, read from its text as Postgres reads it. */
class SessionFeaturesTest {

    private static List<FeatureUse> of(String sql) {
        List<FeatureUse> fromBytes = QueryFrames.onScan(sql, text -> SessionFeatures.inQuery(text, () -> false));
        assertEquals(SessionFeatures.inText(sql, false), fromBytes, "the byte pre-check must not hide anything: " + sql);
        return fromBytes;
    }

    private static FeatureUse take(SessionFeature feature, String name) {
        return new FeatureUse(feature, Action.TAKE, name);
    }

    private static FeatureUse give(SessionFeature feature, String name) {
        return new FeatureUse(feature, Action.GIVE_BACK, name);
    }

    private static FeatureUse giveAll(SessionFeature feature) {
        return new FeatureUse(feature, Action.GIVE_BACK_ALL, null);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "SELECT abalance FROM pgbench_accounts WHERE aid = $1",
        "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2",
        "BEGIN", "COMMIT", "select 1; select 2", "INSERT INTO temperatures VALUES (1)",
        "SELECT pg_advisory_xact_lock(1)", "SELECT pg_try_advisory_xact_lock_shared(1)",
        "SELECT 'pg_advisory_lock(1)'", "SELECT \"pg_advisory_lock\" FROM t", "SELECT 1 -- pg_advisory_lock(1)",
        "SELECT /* pg_advisory_lock(1) */ 1", "SELECT E'it''s pg_advisory_lock(1)'",
        "CREATE TABLE t (a int)", "CREATE TEMP TABLE t (a int) ON COMMIT DROP", "CREATE VIEW v AS SELECT 1",
        "DECLARE c CURSOR FOR SELECT 1", "DECLARE c CURSOR WITHOUT HOLD FOR SELECT 1",
        "DECLARE c CURSOR FOR SELECT 'with hold'", "DISCARD PLANS", "DISCARD SEQUENCES", "DROP INDEX i",
        "SELECT a INTO t FROM s", "SELECT * FROM temp_table", "listening", "SET search_path TO temp",
        "SELECT pg_catalog.pg_advisory_unlock_all_x(1)", "", "   ", ";"})
    void ordinaryQueriesUseNothing(String sql) {
        assertSame(List.of(), of(sql));
    }

    @Test
    void listenAndUnlistenNameTheirChannelAsPostgresFoldsIt() {
        assertEquals(List.of(take(LISTEN, "jobs")), of("LISTEN jobs"));
        assertEquals(List.of(take(LISTEN, "jobs")), of("listen JOBS;"));
        assertEquals(List.of(take(LISTEN, "Jobs Queue")), of("LISTEN \"Jobs Queue\""));
        assertEquals(List.of(give(LISTEN, "jobs")), of("UNLISTEN Jobs"));
        assertEquals(List.of(giveAll(LISTEN)), of("UNLISTEN *"));
        assertEquals(List.of(take(LISTEN, "a")), of("  -- a comment first\n/* and /* nested */ */ LISTEN a"));
    }

    @Test
    void sessionAdvisoryLocksAnywhereInTheTextOutsideQuotesAndComments() {
        assertEquals(List.of(take(ADVISORY_LOCK, null)), of("SELECT pg_advisory_lock(42)"));
        assertEquals(List.of(take(ADVISORY_LOCK, null)), of("select PG_TRY_ADVISORY_LOCK(1, 2)"));
        assertEquals(List.of(take(ADVISORY_LOCK, null)), of("SELECT pg_catalog.pg_advisory_lock_shared(7)"));
        assertEquals(List.of(take(ADVISORY_LOCK, null)), of("SELECT pg_try_advisory_lock_shared (7) AS got"));
        assertEquals(List.of(take(ADVISORY_LOCK, null), take(ADVISORY_LOCK, null)),
                of("SELECT pg_advisory_lock(1), 'pg_advisory_lock(3)', pg_advisory_lock(2) -- pg_advisory_lock(4)"));
        assertEquals(List.of(take(ADVISORY_LOCK, null)), of("WITH x AS (SELECT pg_advisory_lock(hashtext('m'))) SELECT * FROM x"));
        assertEquals(List.of(give(ADVISORY_LOCK, null)), of("SELECT pg_advisory_unlock(42)"));
        assertEquals(List.of(give(ADVISORY_LOCK, null)), of("SELECT pg_advisory_unlock_shared(42)"));
        assertEquals(List.of(giveAll(ADVISORY_LOCK)), of("SELECT pg_advisory_unlock_all()"));
        assertEquals(List.of(), of("SELECT pg_advisory_xact_lock(1), pg_try_advisory_xact_lock(2)"));
    }

    @Test
    void aDollarQuotedBodyMayRunSoItsLocksCountButNotItsUnlocks() {
        assertEquals(List.of(take(ADVISORY_LOCK, null)), of("DO $$ BEGIN PERFORM pg_advisory_lock(1); END $$"));
        assertEquals(List.of(take(ADVISORY_LOCK, null)),
                of("CREATE FUNCTION f() RETURNS void AS $body$ SELECT pg_advisory_unlock(1); SELECT pg_advisory_lock(1) $body$ LANGUAGE sql"));
    }

    @Test
    void temporaryTablesViewsAndSequences() {
        assertEquals(List.of(take(TEMP_OBJECT, "t")), of("CREATE TEMP TABLE t (a int)"));
        assertEquals(List.of(take(TEMP_OBJECT, "t")), of("create temporary table if not exists T (a int)"));
        assertEquals(List.of(take(TEMP_OBJECT, "t")), of("CREATE GLOBAL TEMPORARY TABLE t (a int)"));
        assertEquals(List.of(take(TEMP_OBJECT, "t")), of("CREATE LOCAL TEMP TABLE t (a int) ON COMMIT DELETE ROWS"));
        assertEquals(List.of(take(TEMP_OBJECT, "T 1")), of("CREATE TEMP TABLE \"T 1\" AS SELECT 1"));
        assertEquals(List.of(take(TEMP_OBJECT, "v")), of("CREATE OR REPLACE TEMP VIEW v AS SELECT 1"));
        assertEquals(List.of(take(TEMP_OBJECT, "v")), of("CREATE TEMP RECURSIVE VIEW v (n) AS SELECT 1"));
        assertEquals(List.of(take(TEMP_OBJECT, "s")), of("CREATE TEMP SEQUENCE s"));
        assertEquals(List.of(take(TEMP_OBJECT, "t")), of("CREATE TABLE pg_temp.t (a int)"));
        assertEquals(List.of(take(TEMP_OBJECT, "t")), of("SELECT 1 AS a INTO TEMP t"));
        assertEquals(List.of(take(TEMP_OBJECT, "t")), of("SELECT a, b INTO TEMPORARY TABLE t FROM s WHERE a > 1"));
        assertEquals(List.of(take(TEMP_OBJECT, "t")), of("WITH s AS (SELECT 1 AS a) SELECT * INTO TEMP t FROM s"));
        assertEquals(List.of(give(TEMP_OBJECT, "t")), of("DROP TABLE t"));
        assertEquals(List.of(give(TEMP_OBJECT, "t"), give(TEMP_OBJECT, "u"), give(TEMP_OBJECT, "v")),
                of("drop table if exists T, pg_temp.u, \"v\" cascade"));
        assertEquals(List.of(give(TEMP_OBJECT, "v")), of("DROP VIEW v"));
        assertEquals(List.of(give(TEMP_OBJECT, "t")), of("DROP TABLE public.x, t, myschema.y"));
        assertEquals(List.of(give(TEMP_OBJECT, "s")), of("DROP SEQUENCE s"));
        assertEquals(List.of(giveAll(TEMP_OBJECT)), of("DISCARD TEMP"));
        assertEquals(List.of(giveAll(TEMP_OBJECT)), of("discard temporary"));
    }

    @Test
    void cursorsWithHold() {
        assertEquals(List.of(take(HOLD_CURSOR, "c")), of("DECLARE c CURSOR WITH HOLD FOR SELECT 1"));
        assertEquals(List.of(take(HOLD_CURSOR, "c")), of("declare C binary insensitive no scroll cursor with hold for select 1"));
        assertEquals(List.of(take(HOLD_CURSOR, "My C")), of("DECLARE \"My C\" SCROLL CURSOR WITH HOLD FOR SELECT 1"));
        assertEquals(List.of(give(HOLD_CURSOR, "c")), of("CLOSE c"));
        assertEquals(List.of(give(HOLD_CURSOR, "all")), of("CLOSE \"all\""));
        assertEquals(List.of(giveAll(HOLD_CURSOR)), of("CLOSE ALL"));
    }

    @Test
    void loadAndDiscardAll() {
        assertEquals(List.of(take(LOAD, null)), of("LOAD 'auto_explain'"));
        assertEquals(List.of(FeatureUse.DISCARD_ALL), of("DISCARD ALL"));
    }

    @Test
    void eachStatementOfAQueryCountsInOrder() {
        assertEquals(List.of(take(LISTEN, "a"), take(TEMP_OBJECT, "t"), giveAll(LISTEN)),
                of("SELECT 1; LISTEN a; CREATE TEMP TABLE t (x int); UNLISTEN *"));
        assertEquals(List.of(take(HOLD_CURSOR, "c"), take(LOAD, null)), of("BEGIN; DECLARE c CURSOR WITH HOLD FOR SELECT 1; COMMIT; LOAD 'x'"));
        assertEquals(List.of(give(TEMP_OBJECT, "t"), FeatureUse.DISCARD_ALL), of("select 1;drop table t;discard all"));
        assertEquals(List.of(take(ADVISORY_LOCK, null)), of("SELECT 'a;LISTEN b'; SELECT pg_advisory_lock(1)"));
        assertEquals(List.of(), of("SELECT 'x'; SELECT '; LISTEN b'"));
    }

    @Test
    void backslashesEscapeInPlainStringsOnlyWhenStandardConformingStringsIsOff() {
        String sql = "SELECT 'a\\'; SELECT pg_advisory_lock(1); --'";
        assertEquals(List.of(take(ADVISORY_LOCK, null)), SessionFeatures.inText(sql, false));
        assertEquals(List.of(), SessionFeatures.inText(sql, true));
    }
}
