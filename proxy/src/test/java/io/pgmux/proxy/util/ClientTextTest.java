package io.pgmux.proxy.util;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ClientTextTest {
    @Test
    void shortTextIsKeptAsItIs() {
        assertEquals("app", ClientText.name("app"));
        assertEquals("x".repeat(200), ClientText.text("x".repeat(200)));
        assertNull(ClientText.text(null));
    }

    @Test
    void longTextIsCutAndSaysHowLongItWas() {
        assertEquals("x".repeat(200) + "... (1048576 characters)", ClientText.text("x".repeat(1 << 20)));
        assertEquals("n".repeat(80) + "... (81 characters)", ClientText.name("n".repeat(81)));
    }

    @Test
    void aCharacterOutsideTheBasicPlaneIsNeverCutInHalf() {
        String text = "a".repeat(79) + "\uD83D\uDE00" + "b";

        assertEquals("a".repeat(79) + "... (82 characters)", ClientText.name(text));
    }
}
