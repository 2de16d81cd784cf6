package io.pgmux.proxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HostPortTest {
    @Test
    void parsesHostAndPort() {
        assertEquals(new HostPort("db.internal", 5432), HostPort.parse("db.internal:5432"));
    }

    @Test
    void parsesAnIpv6AddressInBrackets() {
        assertEquals(new HostPort("::1", 6432), HostPort.parse("[::1]:6432"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1:6432", "[::1]:6432", "localhost:0", "[fe80::1%eth0]:5432"})
    void toStringParsesBack(String text) {
        assertEquals(text, HostPort.parse(text).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"6432", "localhost", ":6432", "host:", "::1:6432", "[::1]", "[::1]6432", "[]:1", "h:-1", "h:1x"})
    void rejectsWhatIsNotHostColonPort(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostPort.parse(text));

        assertEquals("expected host:port (got \"" + text + "\")", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"h:65536", "h:99999999999"})
    void rejectsAPortAbove65535(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostPort.parse(text));

        assertEquals("port must be 0..65535 (got \"" + text + "\")", e.getMessage());
    }
}
