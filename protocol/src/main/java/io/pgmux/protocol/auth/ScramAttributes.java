package io.pgmux.protocol.auth;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Reads the comma-separated {@code name=value} attributes of one SCRAM message in order
 * (RFC 5802 section 7). Values never contain a comma, so splitting on commas is exact. Every
 * failure names the message and the attribute, never a value.
 */
final class ScramAttributes {

    private final String message;
    private final String[] parts;
    private int next;

    private ScramAttributes(String message, String text) {
        this.message = message;
        this.parts = text.split(",", -1);
    }

    /** @param message the RFC's name for the message, e.g. {@code "server-first-message"} */
    static ScramAttributes of(String message, String text) {
        return new ScramAttributes(message, text);
    }

    /** Decodes strictly: a byte sequence that is not UTF-8 is a malformed message. */
    static String utf8(String message, byte[] bytes) throws ScramException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw ScramException.malformed("malformed SCRAM " + message + ": not valid UTF-8");
        }
    }

    /** Whether the next attribute is called {@code name}; false at the end. */
    boolean nextIs(char name) {
        return next < parts.length && isAttribute(parts[next]) && parts[next].charAt(0) == name;
    }

    boolean atEnd() {
        return next == parts.length;
    }

    /** The value of the next attribute, which must be called {@code name}. */
    String required(char name, String meaning) throws ScramException {
        if (!nextIs(name)) {
            throw malformed("expected attribute '" + name + "' (" + meaning + ")"
                    + (atEnd() ? " but the message ended" : describeNext()));
        }
        return parts[next++].substring(2);
    }

    /** The nonce in the next attribute {@code r}, checked to be printable ASCII without commas. */
    String nonce() throws ScramException {
        String nonce = required('r', "nonce");
        if (!ScramNonce.isValid(nonce)) {
            throw malformed("the nonce must be non-empty printable ASCII");
        }
        return nonce;
    }

    /**
     * The decoded value of the next attribute, which must be called {@code name} and be base64 as
     * RFC 5802 writes it: padded, in its one canonical spelling (Java's decoder would also take it
     * unpadded, so a message with another spelling of the same bytes would pass).
     */
    byte[] base64(char name, String meaning) throws ScramException {
        String value = required(name, meaning);
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw malformed("attribute '" + name + "' (" + meaning + ") is not valid base64");
        }
        if (!Base64.getEncoder().encodeToString(decoded).equals(value)) {
            throw malformed("attribute '" + name + "' (" + meaning + ") is not valid base64");
        }
        return decoded;
    }

    /** Skips optional extension attributes (RFC 5802 {@code extensions}) up to the end of the message. */
    void skipExtensions() throws ScramException {
        while (!atEnd()) {
            skipExtension();
        }
    }

    /** Skips optional extension attributes up to the one called {@code stop} or the end. */
    void skipExtensionsUntil(char stop) throws ScramException {
        while (!atEnd() && !nextIs(stop)) {
            skipExtension();
        }
    }

    private void skipExtension() throws ScramException {
        if (!isAttribute(parts[next])) {
            throw malformed("expected an attribute of the form 'x=value'" + describeNext());
        }
        next++;
    }

    void requireEnd() throws ScramException {
        if (!atEnd()) {
            throw malformed("unexpected data after the last attribute");
        }
    }

    ScramException malformed(String detail) {
        return ScramException.malformed("malformed SCRAM " + message + ": " + detail);
    }

    private String describeNext() {
        String part = parts[next];
        return part.length() >= 2 && part.charAt(1) == '='
                ? " but found attribute '" + printable(part.charAt(0)) + "'"
                : " but found something else";
    }

    private static String printable(char c) {
        return c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format("\\u%04x", (int) c);
    }

    private static boolean isAttribute(String part) {
        return part.length() >= 2 && part.charAt(1) == '='
                && ((part.charAt(0) >= 'a' && part.charAt(0) <= 'z')
                        || (part.charAt(0) >= 'A' && part.charAt(0) <= 'Z'));
    }
}
