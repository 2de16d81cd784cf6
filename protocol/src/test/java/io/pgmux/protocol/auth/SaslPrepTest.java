package io.pgmux.protocol.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SaslPrepTest {

    @Test
    void asciiIsUsedAsItIsEvenWithControlCharacters() {
        assertEquals("pass\tword\u007F", SaslPrep.saslPrep("pass\tword\u007F"));
    }

    @Test
    void nonAsciiSpacesBecomeSpaces() {
        assertEquals("a b c d", SaslPrep.saslPrep("a\u00A0b\u2003c\u3000d"));
    }

    @Test
    void zeroWidthSpaceBecomesASpaceAsInPostgres() {
        assertEquals("a b", SaslPrep.saslPrep("a\u200Bb"));
    }

    @Test
    void commonlyMappedToNothingCharactersAreRemoved() {
        assertEquals("password", SaslPrep.saslPrep("pass\u00ADwo\u200Drd\uFEFF"));
    }

    @Test
    void resultIsNfkcNormalized() {
        assertEquals("IX", SaslPrep.saslPrep("\u2168")); // ROMAN NUMERAL NINE
        assertEquals("\u00E9", SaslPrep.saslPrep("e\u0301")); // e + combining acute
    }

    @Test
    void rfc4013Examples() {
        assertEquals("IX", SaslPrep.saslPrep("I\u00ADX"));
        assertEquals("a", SaslPrep.saslPrep("\u00AA"));
        assertNull(SaslPrep.saslPrep("\u0007\u00E9"), "control character: prohibited");
    }

    @Test
    void prohibitedCharactersFallBackToTheRawPassword() {
        assertNull(SaslPrep.saslPrep("\uE000\u00A0x")); // private use
        assertNull(SaslPrep.saslPrep("\u00E9\uFFFF")); // non-character
        assertNull(SaslPrep.saslPrep("\u00E9\u200E")); // left-to-right mark
        assertNull(SaslPrep.saslPrep("\u00E9\uDB40\uDC01")); // language tag U+E0001
        assertArrayEquals("\uE000\u00A0x".getBytes(StandardCharsets.UTF_8), SaslPrep.prepare("\uE000\u00A0x"));
    }

    @Test
    void passwordThatMapsToNothingFallsBackToTheRawPassword() {
        assertNull(SaslPrep.saslPrep("\u00AD"));
        assertArrayEquals(new byte[] {(byte) 0xC2, (byte) 0xAD}, SaslPrep.prepare("\u00AD"));
    }

    @Test
    void rightToLeftTextMustNotMixWithLeftToRight() {
        assertEquals("\u05D0\u05D1", SaslPrep.saslPrep("\u05D0\u05D1")); // Hebrew alef bet
        assertEquals("\u05D01\u05D1", SaslPrep.saslPrep("\u05D01\u05D1")); // a digit in between is fine
        assertNull(SaslPrep.saslPrep("\u05D0a\u05D1"));
        assertNull(SaslPrep.saslPrep("\u05D0\u05D11")); // must end with a right-to-left character
    }

    @Test
    void unassignedCodePointsAreProhibited() {
        assertNull(SaslPrep.saslPrep("\u00E9\u0378")); // unassigned in the Greek block
    }
}
