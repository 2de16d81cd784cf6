package io.pgmux.proxy.sql;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The set_config calls, and UPDATE pg_settings, that may change a setting for the session. */
class SetConfigCallsTest {

    @Test
    void aSetConfigForTheSessionIsFoundUnlessItsIsLocalIsALiteralTrue() {
        assertTrue(setsConfig("SELECT set_config('search_path', 'x', false)"));
        assertTrue(setsConfig("select pg_catalog.SET_CONFIG ('a.b', concat('x', ','), FALSE)"));
        assertTrue(setsConfig("SELECT set_config($1, $2, $3)"));
        assertTrue(setsConfig("SELECT set_config('a.b', 'x', true), set_config('a.c', 'y', false)"));
        assertTrue(setsConfig("SELECT set_config('a.b', 'x', true"), "unclosed: assume the worst");
        assertFalse(setsConfig("SELECT set_config('a.b', 'x', true)"));
        assertFalse(setsConfig("SELECT set_config('a.b', ')', 'on'), set_config($1, f(',', 2), TRUE)"));
        assertTrue(setsConfig("SELECT \"set_config\"('a.b', 'x', false)"));
        assertTrue(setsConfig("SELECT set_config/**/('a.b', 'x', true)"), "not read: assume the worst");
        assertTrue(setsConfig("SELECT 'İ', set_config('a.b', 'x', false)"), "one case fold, same indexes");
        assertTrue(setsConfig("UPDATE pg_settings SET setting = 'x' WHERE name = 'search_path'"));
        assertTrue(setsConfig("SELECT 'set_config', current_setting('a.b')"), "a mere mention costs a reset, no more");
        assertFalse(setsConfig("SELECT name, setting FROM pg_settings"));
        assertFalse(setsConfig("SELECT 1"));
    }

    @Test
    void theDecodedTextOfANamedStatementIsReadTheSameWay() {
        assertTrue(SetConfigCalls.maySetConfigForTheSession("SELECT set_config('search_path', $1, false)"));
        assertFalse(SetConfigCalls.maySetConfigForTheSession("SELECT set_config('search_path', $1, true)"));
        assertFalse(SetConfigCalls.maySetConfigForTheSession("SELECT current_setting('search_path')"));
    }

    private static boolean setsConfig(String sql) {
        return QueryFrames.onScan(sql, SetConfigCalls::maySetConfigForTheSession);
    }
}
