package io.pgmux.proxy.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code options} startup parameter, parsed as Postgres parses it for the settings it carries. */
class StartupOptionsTest {

    @Test
    void dashCWithASpace() {
        assertEquals(Map.of("search_path", "app"), StartupOptions.parse("-c search_path=app"));
    }

    @Test
    void dashCJoined() {
        assertEquals(Map.of("search_path", "app"), StartupOptions.parse("-csearch_path=app"));
    }

    @Test
    void doubleDash() {
        assertEquals(Map.of("search_path", "app"), StartupOptions.parse("--search_path=app"));
    }

    @Test
    void severalSettingsInOrderAndAnySpacing() {
        Map<String, String> settings = StartupOptions.parse("  -c a=1   -cb=2\t--c=3 ");

        assertEquals(List.of("a", "b", "c"), List.copyOf(settings.keySet()));
        assertEquals(List.of("1", "2", "3"), List.copyOf(settings.values()));
    }

    @Test
    void laterSettingWins() {
        assertEquals(Map.of("a", "2"), StartupOptions.parse("-c a=1 -c a=2"));
    }

    @Test
    void backslashEscapesASpaceInAValue() {
        assertEquals(Map.of("application_name", "my app"), StartupOptions.parse("-c application_name=my\\ app"));
    }

    @Test
    void backslashEscapesABackslash() {
        assertEquals(Map.of("a", "x\\y"), StartupOptions.parse("-c a=x\\\\y"));
    }

    @Test
    void backslashEscapesAnyCharacter() {
        assertEquals(Map.of("a", "xy"), StartupOptions.parse("-c a=\\x\\y"));
    }

    @Test
    void dashesInNamesBecomeUnderscoresButNotInValues() {
        assertEquals(Map.of("statement_timeout", "5s"), StartupOptions.parse("--statement-timeout=5s"));
        assertEquals(Map.of("search_path", "my-schema"), StartupOptions.parse("-c search-path=my-schema"));
    }

    @Test
    void valueMayContainEqualsSignsAndBeEmpty() {
        assertEquals(Map.of("a", "b=c"), StartupOptions.parse("-c a=b=c"));
        assertEquals(Map.of("a", ""), StartupOptions.parse("-c a="));
    }

    @Test
    void emptyOrBlankOptionsHoldNoSettings() {
        assertTrue(StartupOptions.parse("").isEmpty());
        assertTrue(StartupOptions.parse("   ").isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-c", "-c a=1 -c", "-x", "-d 5", "app", "-c a", "-cname", "--name", "-c =value", "--=value"})
    void otherFormsAreRefused(String options) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> StartupOptions.parse(options));
        assertTrue(error.getMessage().contains("option") || error.getMessage().contains("-c"), error.getMessage());
    }

    @Test
    void refusalNamesTheOffendingWord() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> StartupOptions.parse("-c a=1 -F"));
        assertTrue(error.getMessage().contains("\"-F\""), error.getMessage());
    }
}
