package io.pgmux.proxy.sql;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The statements of a multi-statement simple Query that pgmux follows: SQL PREPAREs and setting changes. */
class MultiStatementQueryTest {

    @Test
    void aPrepareAfterAnotherStatementIsFoundButNotInsideQuotesOrComments() {
        assertTrue(laterPrepare("SELECT 1; PREPARE p AS SELECT 2"));
        assertTrue(laterPrepare("SELECT ';'; /* ; */ prepare p AS SELECT 2"));
        assertFalse(laterPrepare("SELECT 'x; PREPARE p AS SELECT 1'"));
        assertFalse(laterPrepare("SELECT $q$; PREPARE p AS SELECT 1$q$"));
        assertFalse(laterPrepare("SELECT 1 -- ; PREPARE p AS SELECT 1"));
        assertFalse(laterPrepare("SELECT E'\\'; PREPARE p AS SELECT 1'"));
        assertFalse(laterPrepare("BEGIN; PREPARE TRANSACTION 'tx'"));
        assertFalse(laterPrepare("SELECT 1; SELECT 2"));
    }

    @Test
    void theStatementsOfAMultiStatementQueryAreClassifiedInTheOrderTheServerCompletesThem() {
        assertEquals(List.of(SqlCommand.OTHER, new SqlCommand(SqlCommand.Kind.SET, "search_path", "x"),
                        new SqlCommand(SqlCommand.Kind.RESET, "work_mem", null), SqlCommand.OTHER),
                statements("SELECT 'a;b'; ;; SET search_path TO x -- ;\n; RESET work_mem; BEGIN"));
        assertEquals(List.of(new SqlCommand(SqlCommand.Kind.SET, "role", "tenant"), SqlCommand.OTHER),
                statements("SET ROLE tenant; SELECT $$;$$"));
        assertNull(statements("SET search_path TO x"), "one statement: SqlCommand.of reads it");
        assertNull(statements("SET search_path TO x;"), "one statement: SqlCommand.of reads it");
        assertNull(statements("SELECT 1; SELECT 2"));
        assertEquals(List.of(SqlCommand.OTHER, SqlCommand.OTHER), statements("SELECT 'set'; SELECT 'reset'"),
                "read whenever the word appears: the server is reset in case pgmux misread");
    }

    @Test
    void aFunctionBodyInBeginAtomicIsOneStatementSoTheSetAfterItIsTheOneTheServerCompletesSecond() {
        assertEquals(List.of(SqlCommand.OTHER, new SqlCommand(SqlCommand.Kind.SET, "search_path", "x")),
                statements("CREATE FUNCTION f() RETURNS void LANGUAGE sql BEGIN ATOMIC UPDATE t SET a = 1; "
                        + "UPDATE t SET b = CASE WHEN b > 0 THEN 1 END; END; SET search_path TO x"));
        assertEquals(List.of(SqlCommand.OTHER, new SqlCommand(SqlCommand.Kind.RESET, "work_mem", null)),
                statements("create or replace procedure p() begin atomic insert into settings_log values (1); end; reset work_mem"));
    }

    @Test
    void theUsualQueryIsOneStatementAndNeverDecoded() {
        assertNull(statements("UPDATE t SET a = 1"));
        assertFalse(laterPrepare("PREPARE p AS SELECT 1;"), "the first statement is SqlCommand.of's");
    }

    @Test
    void aBackslashIsFoundAnywhereButAfterTheText() {
        assertTrue(QueryFrames.onScan("SELECT 'a\\b'; SET x TO y", MultiStatementQuery::hasBackslash));
        assertFalse(QueryFrames.onScan("SELECT 'a/b'; SET x TO y", MultiStatementQuery::hasBackslash));
        assertFalse(QueryFrames.onScan("", MultiStatementQuery::hasBackslash));
    }

    private static List<SqlCommand> statements(String sql) {
        return QueryFrames.onScan(sql, text -> MultiStatementQuery.statementsMentioningSet(text, () -> false));
    }

    private static boolean laterPrepare(String sql) {
        return QueryFrames.onScan(sql, text -> MultiStatementQuery.hasLaterPrepare(text, () -> false));
    }
}
