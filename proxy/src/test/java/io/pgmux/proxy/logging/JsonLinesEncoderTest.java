package io.pgmux.proxy.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonLinesEncoderTest {

    @Test
    void oneObjectPerLineWithEscapedMessageAndTheException() {
        // given
        LoggerContext context = new LoggerContext();
        LoggingEvent event = new LoggingEvent("x", context.getLogger("io.pgmux.proxy.pool.Pool"), Level.WARN,
                "[{}] said \"{}\"\nthen left", new IOException("gone"), new Object[] {"app/alice", "bye\\"});
        event.setThreadName("pgmux-loop-1-1");
        event.setTimeStamp(0);

        // when
        String line = new String(new JsonLinesEncoder().encode(event), StandardCharsets.UTF_8);

        // then
        assertTrue(line.endsWith("}\n"), line);
        assertEquals(1, line.split("\n", -1).length - 1, "exactly one line: " + line);
        assertTrue(line.startsWith("{\"time\":\"1970-01-01T"), line);
        assertTrue(line.contains("\"level\":\"WARN\",\"logger\":\"Pool\",\"thread\":\"pgmux-loop-1-1\""), line);
        assertTrue(line.contains("\"message\":\"[app/alice] said \\\"bye\\\\\\\"\\nthen left\""), line);
        assertTrue(line.contains("\"exception\":\"java.io.IOException: gone"), line);
    }
}
