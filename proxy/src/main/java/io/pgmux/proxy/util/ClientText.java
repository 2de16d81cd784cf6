package io.pgmux.proxy.util;

/**
 * Text a client chose (a command, a name, a setting) made short enough to quote in an error
 * message or a log line: a 1 MB command must not come back as a 1 MB error, nor be logged as a
 * 1 MB line. Short text is returned as it is.
 */
public final class ClientText {
    /** Names: Postgres keeps 63 bytes of an identifier; a little more shows where a long one differs. */
    public static final int NAME_CHARS = 80;
    /** Commands and other free text. */
    public static final int TEXT_CHARS = 200;

    private ClientText() {
    }

    /** {@code name} cut to {@link #NAME_CHARS}. */
    public static String name(String name) {
        return shorten(name, NAME_CHARS);
    }

    /** {@code text} cut to {@link #TEXT_CHARS}. */
    public static String text(String text) {
        return shorten(text, TEXT_CHARS);
    }

    /**
     * {@code text} if it has at most {@code maxChars} characters; else its first {@code maxChars}
     * and a note of how long it was: {@code SHOW xxxx... (1048576 characters)}. Null stays null.
     */
    public static String shorten(String text, int maxChars) {
        if (text == null || text.length() <= maxChars) {
            return text;
        }
        int end = maxChars;
        if (Character.isHighSurrogate(text.charAt(end - 1))) {
            end--; // never half a character
        }
        return text.substring(0, end) + "... (" + text.length() + " characters)";
    }
}
