package io.pgmux.protocol.message;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.protocol.Wire;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An ErrorResponse ('E') or NoticeResponse ('N'): both are a list of (field code, text) pairs.
 * pgmux writes its own errors with a severity, a SQLSTATE and a message a person can act on,
 * optionally a detail and a hint.
 */
public record ErrorResponse(Map<Character, String> fields) implements WireMessage {
    public static final char SEVERITY = 'S';
    public static final char SEVERITY_NON_LOCALIZED = 'V';
    public static final char CODE = 'C';
    public static final char MESSAGE = 'M';
    public static final char DETAIL = 'D';
    public static final char HINT = 'H';

    public static final String ERROR = "ERROR";
    public static final String FATAL = "FATAL";
    public static final String WARNING = "WARNING";
    public static final String NOTICE = "NOTICE";

    public ErrorResponse {
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    public static ErrorResponse of(String severity, String sqlState, String message) {
        Map<Character, String> fields = new LinkedHashMap<>();
        fields.put(SEVERITY, severity);
        fields.put(SEVERITY_NON_LOCALIZED, severity);
        fields.put(CODE, sqlState);
        fields.put(MESSAGE, message);
        return new ErrorResponse(fields);
    }

    public static ErrorResponse error(String sqlState, String message) {
        return of(ERROR, sqlState, message);
    }

    public static ErrorResponse fatal(String sqlState, String message) {
        return of(FATAL, sqlState, message);
    }

    public ErrorResponse with(char field, String value) {
        Map<Character, String> copy = new LinkedHashMap<>(fields);
        copy.put(field, value);
        return new ErrorResponse(copy);
    }

    public ErrorResponse withDetail(String detail) {
        return with(DETAIL, detail);
    }

    public ErrorResponse withHint(String hint) {
        return with(HINT, hint);
    }

    /** The same fields with another severity (e.g. an ERROR from a server turned FATAL). */
    public ErrorResponse withSeverity(String severity) {
        Map<Character, String> copy = new LinkedHashMap<>(fields);
        copy.put(SEVERITY, severity);
        if (copy.containsKey(SEVERITY_NON_LOCALIZED)) {
            copy.put(SEVERITY_NON_LOCALIZED, severity);
        }
        return new ErrorResponse(copy);
    }

    public String severity() {
        return fields.getOrDefault(SEVERITY_NON_LOCALIZED, fields.get(SEVERITY));
    }

    public String sqlState() {
        return fields.get(CODE);
    }

    public String message() {
        return fields.get(MESSAGE);
    }

    public String detail() {
        return fields.get(DETAIL);
    }

    public String hint() {
        return fields.get(HINT);
    }

    public boolean isFatal() {
        String severity = severity();
        return FATAL.equals(severity) || "PANIC".equals(severity);
    }

    /** Decodes an ErrorResponse or a NoticeResponse frame. */
    public static ErrorResponse decode(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        Map<Character, String> fields = new LinkedHashMap<>();
        while (true) {
            if (!body.isReadable()) {
                throw new ProtocolException("error/notice fields are not terminated");
            }
            byte code = body.readByte();
            if (code == 0) {
                break;
            }
            fields.put((char) (code & 0xff), Wire.readCString(body));
        }
        Wire.expectEnd(body, "ErrorResponse");
        return new ErrorResponse(fields);
    }

    @Override
    public void encode(ByteBuf out) {
        encodeAs(Backend.ERROR_RESPONSE, out);
    }

    public void encodeAsNotice(ByteBuf out) {
        encodeAs(Backend.NOTICE_RESPONSE, out);
    }

    private void encodeAs(byte type, ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, type);
        fields.forEach((code, value) -> {
            out.writeByte(code);
            Wire.writeCString(out, value);
        });
        out.writeByte(0);
        Wire.endMessage(out, lengthIndex);
    }

    @Override
    public String toString() {
        return severity() + " " + sqlState() + " " + message();
    }
}
