package io.pgmux.proxy.config;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class UnixSocketConfigTest {

    @Test
    void theDefaultsArePgBouncers() throws ConfigException {
        UnixSocketConfig unix = ConfigLoader.parse("", Map.of()).unixSocket();

        assertEquals(new UnixSocketConfig("/tmp", 0777, "", UnixSocketAuth.CLIENT_AUTH, null), unix);
        assertEquals(".s.PGSQL.6432", UnixSocketConfig.fileName(6432));
    }

    @Test
    void theModeIsOctalHoweverItIsWritten() throws ConfigException {
        assertEquals(0660, ConfigLoader.parse("unix_socket_mode: \"0660\"\n", Map.of()).unixSocket().mode());
        assertEquals(0600, ConfigLoader.parse("unix_socket_mode: 600\n", Map.of()).unixSocket().mode());
        assertEquals(0777, ConfigLoader.parse("unix_socket_mode: 0777\n", Map.of()).unixSocket().mode());
    }

    @Test
    void aModeThatIsNotOctalBitsIsAnError() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("unix_socket_mode: 0999\n", Map.of()));

        assertEquals(List.of("unix_socket_mode: must be octal permission bits such as 0777 or 0660 (got \"0999\")"), e.errors());
        ConfigException tooBig = assertThrows(ConfigException.class, () -> ConfigLoader.parse("unix_socket_mode: 4777\n", Map.of()));
        assertEquals(List.of("unix_socket_mode: must be at most 0777"), tooBig.errors());
    }

    @Test
    void anEmptyDirectoryMeansNoSocket() throws ConfigException {
        assertFalse(ConfigLoader.parse("unix_socket_dir: \"\"\n", Map.of()).unixSocket().enabled());
        assertFalse(ConfigLoader.parse("unix_socket_dir:\n", Map.of()).unixSocket().enabled());
    }
}
