package io.pgmux.protocol.message;

import io.pgmux.protocol.SqlState;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.pgmux.protocol.SpecBytes.ascii;
import static io.pgmux.protocol.SpecBytes.byte1;
import static io.pgmux.protocol.SpecBytes.concat;
import static io.pgmux.protocol.SpecBytes.cstring;
import static io.pgmux.protocol.SpecBytes.hex;
import static io.pgmux.protocol.SpecBytes.typed;
import static io.pgmux.protocol.WireAssertions.assertCodec;
import static io.pgmux.protocol.WireAssertions.assertProtocolViolation;
import static io.pgmux.protocol.WireAssertions.assertWrites;
import static io.pgmux.protocol.WireAssertions.decode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ErrorResponse ('E') and NoticeResponse ('N'): a list of (field code, String) pairs ended by a
 * zero byte. pgmux relays the server's and writes its own.
 */
class ErrorAndNoticeResponseTest {

    /** Every field a PostgreSQL server commonly sends, in the order it sends them. */
    private static Map<Character, String> allCommonFields() {
        Map<Character, String> fields = new LinkedHashMap<>();
        fields.put('S', "ERROR");
        fields.put('V', "ERROR");
        fields.put('C', "23505");
        fields.put('M', "duplicate key value violates unique constraint \"users_pkey\"");
        fields.put('D', "Key (id)=(1) already exists.");
        fields.put('H', "Use ON CONFLICT to update instead.");
        fields.put('P', "13");
        fields.put('p', "5");
        fields.put('q', "INSERT INTO users VALUES (1)");
        fields.put('W', "PL/pgSQL function f() line 3 at SQL statement");
        fields.put('s', "public");
        fields.put('t', "users");
        fields.put('c', "id");
        fields.put('d', "integer");
        fields.put('n', "users_pkey");
        fields.put('F', "nbtinsert.c");
        fields.put('L', "666");
        fields.put('R', "_bt_check_unique");
        return fields;
    }

    private static byte[] spelledFields(byte[] terminator) {
        List<byte[]> parts = new ArrayList<>();
        allCommonFields().forEach((code, value) -> {
            parts.add(byte1(code));
            parts.add(cstring(value));
        });
        parts.add(terminator);
        return concat(parts.toArray(new byte[0][]));
    }

    @Test
    void errorWithAllCommonFields() {
        // given: 'E', the length, each field as Byte1 code + String, then the zero terminator
        byte[] wire = typed('E', spelledFields(hex("00")));
        ErrorResponse error = new ErrorResponse(allCommonFields());
        // when
        ErrorResponse decoded = decode(wire, ErrorResponse::decode);
        // then: the same bytes both ways, fields in the server's order, accessors reading the right codes
        assertCodec(wire, error, ErrorResponse::decode);
        assertEquals(List.copyOf(allCommonFields().keySet()), List.copyOf(decoded.fields().keySet()));
        assertEquals("ERROR", decoded.severity());
        assertEquals("23505", decoded.sqlState());
        assertEquals("duplicate key value violates unique constraint \"users_pkey\"", decoded.message());
        assertEquals("Key (id)=(1) already exists.", decoded.detail());
        assertEquals("Use ON CONFLICT to update instead.", decoded.hint());
        assertFalse(decoded.isFatal());
    }

    @Test
    void pgmuxsOwnErrorCarriesSeveritySqlStateAndMessage() {
        // given: the error pgmux writes for a protocol violation, spelled by hand:
        //   S "ERROR", V "ERROR", C "08P01", M "bad", terminator — body 7 + 7 + 7 + 5 + 1 = 27, length 31
        byte[] wire = hex("45 0000001f 534552524f5200 564552524f5200 433038503031 00 4d62616400 00");
        // then
        assertCodec(wire, ErrorResponse.error(SqlState.PROTOCOL_VIOLATION, "bad"), ErrorResponse::decode);
    }

    @Test
    void detailAndHintFollowTheMessage() {
        ErrorResponse error = ErrorResponse.fatal(SqlState.TOO_MANY_CONNECTIONS, "no more connections allowed")
                .withDetail("pool \"app\" is full")
                .withHint("raise pool_size");
        byte[] wire = typed('E', byte1('S'), cstring("FATAL"), byte1('V'), cstring("FATAL"), byte1('C'),
                cstring("53300"), byte1('M'), cstring("no more connections allowed"), byte1('D'),
                cstring("pool \"app\" is full"), byte1('H'), cstring("raise pool_size"), hex("00"));
        assertCodec(wire, error, ErrorResponse::decode);
        assertTrue(decode(wire, ErrorResponse::decode).isFatal());
    }

    @Test
    void noticeUsesTypeNWithTheSameBody() {
        // given: a WARNING written as a notice
        ErrorResponse warning = ErrorResponse.of(ErrorResponse.WARNING, "01000", "pool is nearly full");
        byte[] wire = typed('N', byte1('S'), cstring("WARNING"), byte1('V'), cstring("WARNING"), byte1('C'),
                cstring("01000"), byte1('M'), cstring("pool is nearly full"), hex("00"));
        // then: 'N' instead of 'E', and the notice decodes like an error
        assertWrites(wire, warning::encodeAsNotice);
        assertEquals(warning, decode(wire, ErrorResponse::decode));
    }

    @Test
    void nonAsciiMessageIsUtf8() {
        // given: a localized message "Fehler: ungültig" (ü = C3 BC)
        byte[] wire = typed('E', byte1('S'), cstring("FEHLER"), byte1('V'), cstring("ERROR"), byte1('C'),
                cstring("22023"), byte1('M'), hex("4665686c65723a20756e67c3bc6c74696700"), hex("00"));
        // when
        ErrorResponse decoded = decode(wire, ErrorResponse::decode);
        // then: the non-localized V field wins for the severity
        assertEquals("Fehler: ungültig", decoded.message());
        assertEquals("ERROR", decoded.severity());
        assertCodec(wire, decoded, ErrorResponse::decode);
    }

    @Test
    void unknownFieldTypesAreKept() {
        // given: a field code the spec does not define yet; frontends must ignore it, a proxy keeps it
        byte[] wire = typed('E', byte1('S'), cstring("ERROR"), byte1('C'), cstring("XX000"), byte1('M'),
                cstring("m"), byte1('Z'), cstring("future"), hex("00"));
        // then
        assertEquals("future", decode(wire, ErrorResponse::decode).fields().get('Z'));
    }

    @Test
    void severityChangeRewritesBothSeverityFields() {
        ErrorResponse fatal = ErrorResponse.error(SqlState.CONNECTION_FAILURE, "server closed").withSeverity("FATAL");
        assertEquals("FATAL", fatal.fields().get('S'));
        assertEquals("FATAL", fatal.fields().get('V'));
    }

    @Test
    void missingTerminatorIsAProtocolViolation() {
        // given: every field, but no zero byte after the last one
        assertProtocolViolation(typed('E', spelledFields(new byte[0])), ErrorResponse::decode);
    }

    @Test
    void unterminatedFieldValueIsAProtocolViolation() {
        assertProtocolViolation(typed('E', byte1('S'), ascii("ERROR")), ErrorResponse::decode);
    }

    @Test
    void emptyBodyIsAProtocolViolation() {
        assertProtocolViolation(hex("45 00000004"), ErrorResponse::decode);
    }

    @Test
    void bytesAfterTheTerminatorAreAProtocolViolation() {
        assertProtocolViolation(typed('E', byte1('S'), cstring("ERROR"), hex("00"), hex("00")), ErrorResponse::decode);
    }
}
