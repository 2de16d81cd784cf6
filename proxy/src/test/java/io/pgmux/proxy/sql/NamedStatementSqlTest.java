package io.pgmux.proxy.sql;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.pgmux.proxy.sql.NamedStatementSql.Kind;
import io.pgmux.proxy.sql.NamedStatementSql.Statement;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SQL PREPARE, EXECUTE and DEALLOCATE statements of a simple query, and where their names are. */
class NamedStatementSqlTest {

    @Test
    void aPrepareHasItsNameTypesAndBody() {
        Statement prepare = only("PREPARE /* c */ \"Big\" ( int , numeric(10,2), \"my)type\" ) AS  SELECT $1 -- end");
        assertEquals(Kind.PREPARE, prepare.kind());
        assertEquals("Big", prepare.name());
        assertEquals("int , numeric(10,2), \"my)type\"", prepare.parameterTypes());
        assertEquals("SELECT $1 -- end", prepare.body());
        assertEquals("prep", only("prepare PREP as select 1").name());
        assertNull(only("prepare PREP as select 1").parameterTypes());
    }

    @Test
    void namesAreFoundWhereTheyAreWritten() {
        String sql = "SELECT 1; execute  Plan (1, 'a;b'); DEALLOCATE PREPARE \"x\"; DEALLOCATE ALL";
        NamedStatementSql query = NamedStatementSql.read(sql, false);
        assertEquals(List.of(Kind.OTHER, Kind.EXECUTE, Kind.DEALLOCATE, Kind.DEALLOCATE_ALL),
                query.statements().stream().map(Statement::kind).toList());
        Statement execute = query.statements().get(1);
        assertEquals("plan", execute.name());
        assertEquals("Plan", sql.substring(execute.nameStart(), execute.nameEnd()));
        Statement deallocate = query.statements().get(2);
        assertEquals("\"x\"", sql.substring(deallocate.nameStart(), deallocate.nameEnd()));
    }

    @Test
    void explainAndCreateTableAsRunAnExecute() {
        assertEquals("e", only("EXPLAIN (ANALYZE, COSTS OFF) EXECUTE e(1)").name());
        assertEquals("e", only("explain analyze verbose execute e").name());
        assertEquals("e", only("CREATE TEMP TABLE t (a, b) WITH (fillfactor = 70) AS EXECUTE e(2)").name());
        assertEquals(Kind.OTHER, NamedStatementSql.read("EXPLAIN SELECT 1; CREATE TABLE t AS SELECT 1; EXECUTE x", false)
                .statements().get(1).kind());
    }

    @Test
    void whatIsNotANamedStatementIsOther() {
        assertNull(NamedStatementSql.read("PREPARE TRANSACTION 'tx'", false));
        assertNull(NamedStatementSql.read("PREPARE p", false), "a syntax error the server reports");
        assertNull(NamedStatementSql.read("SELECT 'PREPARE p AS SELECT 1'; SELECT 1 -- ; EXECUTE p", false));
        assertNull(NamedStatementSql.read("CREATE FUNCTION f() RETURNS int AS $$ EXECUTE x $$ LANGUAGE sql", false));
    }

    @Test
    void ordinaryQueriesAreNotDecoded() {
        assertFalse(mayUseNames("SELECT 1"));
        assertFalse(mayUseNames("SELECT 'execute'"), "one statement not starting with a keyword: not even scanned");
        assertFalse(mayUseNames("INSERT INTO t VALUES (1);"));
        assertFalse(mayUseNames("SELECT 1; SELECT 2"));
        assertTrue(mayUseNames("SELECT 1; SELECT 'prepare'"), "read whenever the word appears");
        assertTrue(mayUseNames("  execute p"));
        assertTrue(mayUseNames("EXPLAIN EXECUTE p"));
        assertFalse(mayUseNames("EXPLAIN SELECT 1"));
    }

    @Test
    void onlyPrepareAndDeallocateMayBeAnsweredByPgmux() {
        assertFalse(answeredLocally("EXECUTE p(1)"));
        assertFalse(answeredLocally("EXPLAIN EXECUTE p(1)"));
        assertTrue(answeredLocally("PREPARE p AS SELECT 1"));
        assertTrue(answeredLocally("DEALLOCATE p"));
        assertTrue(answeredLocally("EXECUTE p; DEALLOCATE p"));
    }

    private static Statement only(String sql) {
        NamedStatementSql query = NamedStatementSql.read(sql, false);
        assertEquals(1, query.statements().size());
        return query.statements().get(0);
    }

    /** Whether {@link NamedStatementSql#of} decodes the text (it may still find no name in it). */
    private static boolean mayUseNames(String sql) {
        ByteBuf frame = query(sql);
        try {
            return NamedStatementSql.mayUseNames(QueryScan.of(frame, 5));
        } finally {
            frame.release();
        }
    }

    private static boolean answeredLocally(String sql) {
        ByteBuf frame = query(sql);
        try {
            return NamedStatementSql.mayBeAnsweredLocally(QueryScan.of(frame, 5));
        } finally {
            frame.release();
        }
    }

    private static ByteBuf query(String sql) {
        byte[] text = sql.getBytes(StandardCharsets.UTF_8);
        return Unpooled.buffer().writeByte('Q').writeInt(4 + text.length + 1).writeBytes(text).writeByte(0);
    }
}
