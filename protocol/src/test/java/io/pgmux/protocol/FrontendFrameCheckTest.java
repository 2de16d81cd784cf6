package io.pgmux.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static io.pgmux.protocol.SpecBytes.byte1;
import static io.pgmux.protocol.SpecBytes.bytes;
import static io.pgmux.protocol.SpecBytes.cstring;
import static io.pgmux.protocol.SpecBytes.int16;
import static io.pgmux.protocol.SpecBytes.int32;
import static io.pgmux.protocol.SpecBytes.typed;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FrontendFrameCheck}: every field a proxy reads is checked before anything reads it; what
 * only the server reads passes untouched.
 */
class FrontendFrameCheckTest {

    static Stream<Arguments> wellFormed() {
        return Stream.of(
                Arguments.of("Sync", typed('S')),
                Arguments.of("Flush", typed('H')),
                Arguments.of("Terminate", typed('X')),
                Arguments.of("CopyDone", typed('c')),
                Arguments.of("Query", typed('Q', cstring("SELECT 1"))),
                Arguments.of("empty Query", typed('Q', cstring(""))),
                Arguments.of("Describe statement", typed('D', byte1('S'), cstring("s1"))),
                Arguments.of("Describe unnamed portal", typed('D', byte1('P'), cstring(""))),
                Arguments.of("Close portal", typed('C', byte1('P'), cstring("p"))),
                Arguments.of("Execute", typed('E', cstring(""), int32(0))),
                Arguments.of("Bind with values", typed('B', cstring("p"), cstring("s"), int16(0), int16(1), int32(1),
                        bytes('7'), int16(0))),
                Arguments.of("named Parse", typed('P', cstring("s"), cstring("SELECT $1"), int16(1), int32(23))),
                Arguments.of("unnamed Parse, types cut short (the server's to judge)", typed('P', cstring(""),
                        cstring("SELECT 1"), bytes(0))),
                Arguments.of("Bind, values cut short (the server's to judge)", typed('B', cstring(""), cstring(""), int16(1))),
                Arguments.of("CopyData, anything", typed('d', bytes(0xff, 0, 1))),
                Arguments.of("FunctionCall, anything", typed('F', bytes(1))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wellFormed")
    void wellFormedMessagesPass(String what, byte[] message) {
        assertDoesNotThrow(() -> check(message));
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of(typed('S', bytes(0)), "Sync message must be empty, but has 1 bytes"),
                Arguments.of(typed('H', bytes(1, 2)), "Flush message must be empty, but has 2 bytes"),
                Arguments.of(typed('X', bytes(0)), "Terminate message must be empty, but has 1 bytes"),
                Arguments.of(typed('c', bytes(0)), "CopyDone message must be empty, but has 1 bytes"),
                Arguments.of(typed('Q'), "Query message: the query string is not null-terminated"),
                Arguments.of(typed('Q', bytes('x')), "Query message: the query string is not null-terminated"),
                Arguments.of(typed('D', byte1('Z'), cstring("nope")),
                        "Describe message: invalid target 'Z', expected 'S' (statement) or 'P' (portal)"),
                Arguments.of(typed('D'), "Describe message is empty: expected 'S' or 'P' and a name"),
                Arguments.of(typed('D', byte1('S'), bytes('a', 'b')), "Describe message: the name is not null-terminated"),
                Arguments.of(typed('D', byte1('S')), "Describe message: the name is not null-terminated"),
                Arguments.of(typed('D', byte1('S'), cstring("a"), bytes(9)), "Describe message has 1 bytes after its name"),
                Arguments.of(typed('C', byte1(' '), cstring("")), "Close message: invalid target ' ', expected 'S' (statement) or 'P' (portal)"),
                Arguments.of(typed('E'), "Execute message: the portal name is not null-terminated"),
                Arguments.of(typed('E', cstring("")), "Execute message: expected a 4-byte row limit after the portal name, found 0 bytes"),
                Arguments.of(typed('E', cstring(""), int32(0), bytes(1)),
                        "Execute message: expected a 4-byte row limit after the portal name, found 5 bytes"),
                Arguments.of(typed('B', cstring("p")), "Bind message: the statement name is not null-terminated"),
                Arguments.of(typed('B'), "Bind message: the portal name is not null-terminated"),
                Arguments.of(typed('P', bytes('s', 't')), "Parse message: the statement name is not null-terminated"),
                Arguments.of(typed('P', cstring(""), bytes('S')), "Parse message: the query string is not null-terminated"),
                Arguments.of(typed('P', cstring("s"), cstring("SELECT 1")), "Parse message: the parameter type count is missing"),
                Arguments.of(typed('P', cstring("s"), cstring("SELECT $1"), int16(2), int32(23)),
                        "Parse message: 2 parameter types declared, 4 bytes found for them"),
                Arguments.of(typed('P', cstring("s"), cstring("SELECT 1"), int16(0), bytes(7)),
                        "Parse message: 0 parameter types declared, 1 bytes found for them"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("malformed")
    void malformedMessagesAreRefusedWithProtocolViolation(byte[] message, String expected) {
        ProtocolException e = assertThrows(ProtocolException.class, () -> check(message));
        assertEquals(expected, e.getMessage());
        assertEquals(SqlState.PROTOCOL_VIOLATION, e.sqlState());
    }

    @Test
    void aFrameIsReadWhereItsSliceStartsAndEnds() {
        // the frame is a slice of a larger read buffer: bytes around it are not its own
        byte[] before = typed('Q', cstring("SELECT 1"));
        byte[] frame = typed('E', cstring(""));
        byte[] after = typed('S');
        ByteBuf read = Unpooled.wrappedBuffer(SpecBytes.concat(before, frame, after));
        ByteBuf slice = read.slice(before.length, frame.length);

        ProtocolException e = assertThrows(ProtocolException.class, () -> FrontendFrameCheck.check(slice));
        assertTrue(e.getMessage().startsWith("Execute message: expected a 4-byte row limit"), e.getMessage());
    }

    private static void check(byte[] message) {
        FrontendFrameCheck.check(Unpooled.wrappedBuffer(message));
    }
}
