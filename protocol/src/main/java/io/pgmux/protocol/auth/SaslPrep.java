package io.pgmux.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Arrays;

/**
 * SASLprep (RFC 4013) of a password the way PostgreSQL's {@code pg_saslprep} does it, so that the
 * bytes fed to the key derivation are the ones a Postgres server or libpq would use.
 *
 * <p>Steps, in Postgres's order:
 * <ol>
 *   <li>Pure ASCII is used as it is (even control characters).</li>
 *   <li>Map: non-ASCII spaces (RFC 3454 table C.1.2) become U+0020; "commonly mapped to nothing"
 *       characters (table B.1) are removed. U+200B is in both tables; like Postgres we map it to a
 *       space.</li>
 *   <li>Normalize with NFKC ({@link Normalizer}, the JDK's Unicode version).</li>
 *   <li>Prohibit: tables C.1.2, C.2.1, C.2.2, C.3, C.4, C.5, C.6, C.7, C.8, C.9; unassigned code
 *       points; and the bidirectional rule of RFC 3454 section 6. Like Postgres, these checks look
 *       at the mapped string before normalization.</li>
 * </ol>
 * If the mapped string is empty or breaks a prohibition, Postgres does not fail: it uses the raw
 * UTF-8 bytes of the password. So do we.
 *
 * <p>Deliberate approximations: "unassigned" (table A.1 is Unicode 3.2) is taken as
 * {@code !Character.isDefined}, and the bidirectional categories (tables D.1, D.2) come from
 * {@link Character#getDirectionality}, both with the JDK's newer Unicode data. A password with a
 * character added to Unicode after 3.2 <em>and</em> something SASLprep changes would be prepared
 * here where Postgres would fall back to the raw bytes. Lone surrogates in a Java string fall back
 * to the raw encoding, where {@link String#getBytes} replaces them with {@code '?'}.
 */
final class SaslPrep {

    /** Inclusive code point ranges, sorted; each pair names its RFC 3454 table. */
    private static final int[] NON_ASCII_SPACE = {
        0x00A0, 0x00A0, 0x1680, 0x1680, 0x2000, 0x200B, 0x202F, 0x202F, 0x205F, 0x205F,
        0x3000, 0x3000,
    };

    private static final int[] MAPPED_TO_NOTHING = {
        0x00AD, 0x00AD, 0x034F, 0x034F, 0x1806, 0x1806, 0x180B, 0x180D, 0x200B, 0x200D,
        0x2060, 0x2060, 0xFE00, 0xFE0F, 0xFEFF, 0xFEFF,
    };

    private static final int[] PROHIBITED = {
        0x0000, 0x001F, // C.2.1 ASCII control
        0x007F, 0x009F, // C.2.1, C.2.2 control
        0x00A0, 0x00A0, // C.1.2 non-ASCII space
        0x0340, 0x0341, // C.8 change display properties
        0x06DD, 0x06DD, // C.2.2
        0x070F, 0x070F, // C.2.2
        0x1680, 0x1680, // C.1.2
        0x180E, 0x180E, // C.2.2
        0x2000, 0x200F, // C.1.2, C.2.2, C.8
        0x2028, 0x202F, // C.2.2, C.8, C.1.2
        0x205F, 0x2063, // C.1.2, C.2.2
        0x206A, 0x206F, // C.2.2, C.8
        0x2FF0, 0x2FFB, // C.7 inappropriate for canonical representation
        0x3000, 0x3000, // C.1.2
        0xD800, 0xDFFF, // C.5 surrogates
        0xE000, 0xF8FF, // C.3 private use
        0xFDD0, 0xFDEF, // C.4 non-characters
        0xFEFF, 0xFEFF, // C.2.2
        0xFFF9, 0xFFFD, // C.2.2, C.6 inappropriate for plain text
        0x1D173, 0x1D17A, // C.2.2 musical formatting
        0xE0001, 0xE0001, // C.9 tagging
        0xE0020, 0xE007F, // C.9 tagging
        0xF0000, 0x10FFFF, // C.3 private use planes 15 and 16
    };

    private SaslPrep() {
    }

    /** The bytes to derive keys from: the SASLprep result, or the raw UTF-8 where Postgres falls back. */
    static byte[] prepare(String password) {
        String prepared = saslPrep(password);
        return (prepared != null ? prepared : password).getBytes(StandardCharsets.UTF_8);
    }

    /** The SASLprep'd string, or {@code null} where Postgres would use the raw password instead. */
    static String saslPrep(String password) {
        if (isAscii(password)) {
            return password;
        }
        int[] mapped = map(password);
        if (mapped.length == 0 || Arrays.stream(mapped).anyMatch(SaslPrep::isProhibited)
                || violatesBidiRule(mapped)) {
            return null;
        }
        return Normalizer.normalize(new String(mapped, 0, mapped.length), Normalizer.Form.NFKC);
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    private static int[] map(String password) {
        return password.codePoints()
                .filter(cp -> inRanges(cp, NON_ASCII_SPACE) || !inRanges(cp, MAPPED_TO_NOTHING))
                .map(cp -> inRanges(cp, NON_ASCII_SPACE) ? ' ' : cp)
                .toArray();
    }

    private static boolean isProhibited(int cp) {
        boolean nonCharacter = (cp & 0xFFFE) == 0xFFFE; // C.4: the last two of every plane
        return nonCharacter || inRanges(cp, PROHIBITED) || !Character.isDefined(cp);
    }

    /** RFC 3454 section 6: with any right-to-left character, no left-to-right ones, and R/AL at both ends. */
    private static boolean violatesBidiRule(int[] cps) {
        if (Arrays.stream(cps).noneMatch(SaslPrep::isRandAL)) {
            return false;
        }
        boolean anyLeftToRight = Arrays.stream(cps)
                .anyMatch(cp -> Character.getDirectionality(cp) == Character.DIRECTIONALITY_LEFT_TO_RIGHT);
        return anyLeftToRight || !isRandAL(cps[0]) || !isRandAL(cps[cps.length - 1]);
    }

    private static boolean isRandAL(int cp) {
        byte d = Character.getDirectionality(cp);
        return d == Character.DIRECTIONALITY_RIGHT_TO_LEFT
                || d == Character.DIRECTIONALITY_RIGHT_TO_LEFT_ARABIC;
    }

    private static boolean inRanges(int cp, int[] ranges) {
        for (int i = 0; i < ranges.length; i += 2) {
            if (cp < ranges[i]) {
                return false;
            }
            if (cp <= ranges[i + 1]) {
                return true;
            }
        }
        return false;
    }
}
