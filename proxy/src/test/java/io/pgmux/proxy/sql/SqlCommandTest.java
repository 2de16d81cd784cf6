package io.pgmux.proxy.sql;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.message.Query;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The DEALLOCATE, PREPARE and SET forms pgmux must recognise in a simple Query, read as Postgres reads them. */
class SqlCommandTest {

    private static SqlCommand of(String sql) {
        return QueryFrames.onQuery(sql, SqlCommand::of);
    }

    private static void assertDeallocates(String sql, String name) {
        SqlCommand command = of(sql);
        assertEquals(SqlCommand.Kind.DEALLOCATE, command.kind(), sql);
        assertEquals(name, command.statementName(), sql);
        assertTrue(command.isDeallocate());
        assertFalse(command.deallocatesAll());
    }

    @Test
    void deallocateOfANameFoldsUnquotedNamesToLowerCase() {
        assertDeallocates("DEALLOCATE stmt1", "stmt1");
        assertDeallocates("deallocate Stmt1", "stmt1");
        assertDeallocates("DeAlLoCaTe S_1", "s_1");
        assertDeallocates("DEALLOCATE _pg3_12", "_pg3_12");
        assertDeallocates("DEALLOCATE a$b", "a$b");
    }

    @Test
    void quotedNamesKeepTheirCaseAndDoubledQuotes() {
        assertDeallocates("DEALLOCATE \"Stmt1\"", "Stmt1");
        assertDeallocates("DEALLOCATE \"with space\"", "with space");
        assertDeallocates("DEALLOCATE \"a\"\"b\"", "a\"b");
        assertDeallocates("DEALLOCATE \"all\"", "all");
        assertDeallocates("DEALLOCATE PREPARE \"ALL\"", "ALL");
    }

    @Test
    void deallocatePrepareIsTheSameCommand() {
        assertDeallocates("DEALLOCATE PREPARE stmt1", "stmt1");
        assertDeallocates("deallocate prepare \"X\"", "X");
        // PREPARE is not reserved: alone it is the statement's name
        assertDeallocates("DEALLOCATE prepare", "prepare");
        assertDeallocates("DEALLOCATE PREPARE prepare", "prepare");
    }

    @Test
    void deallocateAllInEverySpelling() {
        for (String sql : new String[] {"DEALLOCATE ALL", "deallocate all", "DEALLOCATE PREPARE ALL", "  Deallocate All ;"}) {
            SqlCommand command = of(sql);
            assertEquals(SqlCommand.Kind.DEALLOCATE_ALL, command.kind(), sql);
            assertTrue(command.deallocatesAll(), sql);
            assertNull(command.statementName(), sql);
        }
    }

    @Test
    void leadingAndTrailingWhiteSpaceSemicolonsAndCommentsAreIgnored() {
        assertDeallocates("  \n\t DEALLOCATE x", "x");
        assertDeallocates("DEALLOCATE x ;  ", "x");
        assertDeallocates("DEALLOCATE x;;", "x");
        assertDeallocates("/* app */ DEALLOCATE x", "x");
        assertDeallocates("-- app\nDEALLOCATE x -- bye", "x");
        assertDeallocates("DEALLOCATE /* between */ PREPARE /* words */ x", "x");
        assertDeallocates("/* outer /* nested */ still a comment */ DEALLOCATE x", "x");
        assertEquals(SqlCommand.Kind.PREPARE, of("/* app */ PREPARE p AS SELECT 1").kind());
        assertEquals(SqlCommand.Kind.PREPARE, of("-- app\n  prepare p AS SELECT 1").kind());
    }

    @Test
    void prepareOfAStatementIsAPrepare() {
        for (String sql : new String[] {"PREPARE p AS SELECT 1", "prepare p (int) AS SELECT $1", "  Prepare \"P\" AS SELECT 1",
                "PREPARE p(int, text) AS INSERT INTO t VALUES ($1, $2)"}) {
            SqlCommand command = of(sql);
            assertTrue(command.isPrepare(), sql);
            assertFalse(command.isDeallocate(), sql);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "PREPARE TRANSACTION 'tx1'", "prepare transaction 'tx1'", "PREPARE", "PREPARED", "PREPAREx p AS SELECT 1",
            "DEALLOCATE", "DEALLOCATE a b", "DEALLOCATE a; SELECT 1", "DEALLOCATE PREPARE a b", "DEALLOCATEa",
            "SELECT 1", "", "   ", "drop table t", "/* unterminated PREPARE p AS SELECT 1", "-- PREPARE p AS SELECT 1",
            "DEALLOCATE \"unterminated"})
    void everythingElseIsOther(String sql) {
        SqlCommand command = of(sql);
        assertEquals(SqlCommand.Kind.OTHER, command.kind(), sql);
        assertFalse(command.isPrepare());
        assertFalse(command.isDeallocate());
    }

    @Test
    void readsTheQueryWhereverItsFrameStartsInTheBuffer() {
        ByteBuf buffer = UnpooledByteBufAllocator.DEFAULT.buffer();
        try {
            buffer.writeBytes(new byte[] {1, 2, 3});
            new Query("DEALLOCATE there").encode(buffer);
            buffer.readerIndex(3);
            assertEquals("there", SqlCommand.of(buffer, buffer.readerIndex() + Frames.HEADER_SIZE).statementName());
        } finally {
            buffer.release();
        }
    }

    @Test
    void setRoleInEachSpellingIsASettingOfRole() {
        assertSetsRole("tenant", "SET ROLE Tenant");
        assertSetsRole("Tenant", "set session role \"Tenant\"");
        assertSetsRole("it's", "SET role = 'it''s'");
        assertSetsRole("tenant", "SET role TO tenant;");
        assertSetsRole(null, "SET ROLE NONE");
        assertSetsRole(null, "RESET ROLE");
        assertEquals(SqlCommand.OTHER, of("SET LOCAL ROLE tenant"), "ends with the transaction: nothing to follow");
        assertEquals(SqlCommand.OTHER, of("SET ROLE tenant extra"));
        assertEquals(SqlCommand.OTHER, of("SET SESSION AUTHORIZATION tenant"), "followed through the server's ParameterStatus");
    }

    /** {@code sql} is read as a session-level change of the role to {@code role}, or as its reset when that is null. */
    private static void assertSetsRole(String role, String sql) {
        SqlCommand.Kind kind = role == null ? SqlCommand.Kind.RESET : SqlCommand.Kind.SET;
        assertEquals(new SqlCommand(kind, "role", role), of(sql), sql);
    }

    @Test
    void setValuesAreReadAsPostgresReadsThem() {
        assertEquals(new SqlCommand(SqlCommand.Kind.SET, "statement_timeout", "5s"), of("SET statement_timeout = E'5s'"));
        assertEquals(new SqlCommand(SqlCommand.Kind.SET, "statement_timeout", "6s"), of("SET statement_timeout = $$6s$$"));
        assertEquals(new SqlCommand(SqlCommand.Kind.SET, "application_name", "it's"), of("SET application_name = E'it\\'s'"));
        assertEquals(new SqlCommand(SqlCommand.Kind.SET, "search_path", "\"Mixed Case\", public"), of("SET search_path = 'Mixed Case', 'public'"));
        assertEquals(new SqlCommand(SqlCommand.Kind.SET, "search_path", "x"), of("SET search_path TO x -- a comment"));
        assertEquals(new SqlCommand(SqlCommand.Kind.RESET, "role", null), of("SET role TO DEFAULT"));
        assertEquals(new SqlCommand(SqlCommand.Kind.SET, "role", "Ünal"), of("SET ROLE Ünal"), "only ASCII folds");
        assertEquals(SqlCommand.OTHER, of("SET transaction_isolation = 'serializable'"), "ends with the transaction");
        assertEquals(SqlCommand.UNFOLLOWED, of("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE"));
        assertEquals(SqlCommand.UNFOLLOWED, of("SET XML OPTION DOCUMENT"));
        assertEquals(SqlCommand.UNFOLLOWED, of("SET statement_timeout = E'\\x35s'"), "a hex escape is not read");
    }
}
