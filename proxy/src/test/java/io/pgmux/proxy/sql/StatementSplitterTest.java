package io.pgmux.proxy.sql;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Where the statements of a query start: after each semicolon outside quotes, comments and SQL-standard function bodies. */
class StatementSplitterTest {

    @Test
    void aSemicolonInsideQuotesOrCommentsEndsNoStatement() {
        assertEquals(List.of("SELECT ';' ", " SELECT \"a;b\" ", " SELECT $x$;$x$ ", " /* ; */ -- ;\nSELECT 1"),
                statements("SELECT ';' ; SELECT \"a;b\" ; SELECT $x$;$x$ ; /* ; */ -- ;\nSELECT 1"));
        assertEquals(List.of("SELECT E'\\';' ", " SELECT 2"), statements("SELECT E'\\';' ; SELECT 2"));
        assertEquals(List.of("SELECT '\\'", "' ; SELECT 2"), statements("SELECT '\\';' ; SELECT 2"),
                "a backslash escapes only in E'...' while standard_conforming_strings is on");
    }

    @Test
    void aFunctionBodyInBeginAtomicIsPartOfItsCreateStatement() {
        String create = "CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT x; END";
        assertEquals(List.of(create, " SET search_path TO x"), statements(create + "; SET search_path TO x"));
        String procedure = "create or replace procedure p()\nbegin /* still */ atomic\n  insert into t values (1);\n  insert into t values (2);\nend";
        assertEquals(List.of(procedure, "SELECT 1"), statements(procedure + ";SELECT 1"));
        String replace = "CREATE OR REPLACE FUNCTION s.f() RETURNS int BEGIN ATOMIC; END";
        assertEquals(List.of(replace, " SELECT 1"), statements(replace + "; SELECT 1"), "an empty body");
    }

    @Test
    void caseEndInsideABodyDoesNotEndIt() {
        String create = "CREATE FUNCTION sign(x int) RETURNS int BEGIN ATOMIC "
                + "SELECT CASE WHEN x > 0 THEN 1 ELSE CASE x WHEN 0 THEN 0 ELSE -1 END END; "
                + "SELECT (CASE WHEN x IS NULL THEN 0 END); END";
        assertEquals(List.of(create, " SELECT 1"), statements(create + "; SELECT 1"));
    }

    @Test
    void endInQuotesCommentsOrAsANameIsNoKeyword() {
        String create = "CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 'end'; SELECT \"end\" FROM t; "
                + "SELECT t.end, 1 AS end, 2 AS case FROM t; /* end; */ -- end;\n SELECT $$end$$; END";
        assertEquals(List.of(create, " SELECT 1"), statements(create + "; SELECT 1"));
    }

    @Test
    void beginAndEndOutsideARoutineAreTransactionsAsBefore() {
        assertEquals(List.of("BEGIN", " SELECT 1", " END", " SET search_path TO x"),
                statements("BEGIN; SELECT 1; END; SET search_path TO x"));
        assertEquals(List.of("SELECT begin atomic FROM (SELECT 1 AS begin) s", " SELECT 2"),
                statements("SELECT begin atomic FROM (SELECT 1 AS begin) s; SELECT 2"),
                "begin and atomic are not reserved: here a column and its label");
        assertEquals(List.of("CREATE TABLE t (a int)", " SELECT 1"), statements("CREATE TABLE t (a int); SELECT 1"));
        assertEquals(List.of("CREATE FUNCTION f() RETURNS int AS 'SELECT 1' LANGUAGE sql", " END", " SELECT 1"),
                statements("CREATE FUNCTION f() RETURNS int AS 'SELECT 1' LANGUAGE sql; END; SELECT 1"),
                "a routine without BEGIN ATOMIC ends at its semicolon");
    }

    @Test
    void anUnclosedBodyRunsToTheEndOfTheText() {
        assertEquals(List.of("CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; SELECT 2"),
                statements("CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; SELECT 2"));
    }

    /** The statements of {@code sql}, each without the semicolon that ends it. */
    private static List<String> statements(String sql) {
        List<Integer> starts = StatementSplitter.statementStarts(sql, false);
        return IntStream.range(0, starts.size())
                .mapToObj(i -> sql.substring(starts.get(i), i + 1 < starts.size() ? starts.get(i + 1) - 1 : sql.length()))
                .toList();
    }
}
