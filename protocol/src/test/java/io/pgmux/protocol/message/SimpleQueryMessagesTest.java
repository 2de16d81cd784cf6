package io.pgmux.protocol.message;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static io.pgmux.protocol.SpecBytes.cstring;
import static io.pgmux.protocol.SpecBytes.hex;
import static io.pgmux.protocol.SpecBytes.typed;
import static io.pgmux.protocol.WireAssertions.assertCodec;
import static io.pgmux.protocol.WireAssertions.assertProtocolViolation;

/** Query and CommandComplete: a simple-protocol round trip. */
class SimpleQueryMessagesTest {

    @Nested
    class QueryCodec {

        @Test
        void selectOne() {
            // given: Query "SELECT 1", length 4 + 9
            byte[] wire = hex("51 0000000d 53454c4543542031 00");
            // then
            assertCodec(wire, new Query("SELECT 1"), Query::decode);
        }

        @Test
        void emptyQueryString() {
            // given: an empty query string, just its terminator
            byte[] wire = hex("51 00000005 00");
            // then
            assertCodec(wire, new Query(""), Query::decode);
        }

        @Test
        void severalStatementsInOneString() {
            byte[] wire = typed('Q', cstring("BEGIN; SELECT 1; COMMIT"));
            assertCodec(wire, new Query("BEGIN; SELECT 1; COMMIT"), Query::decode);
        }

        @Test
        void nonAsciiTextIsUtf8AndTheLengthCountsBytes() {
            // given: SELECT '日本' — each of the two characters is three bytes in UTF-8
            //   日 = E6 97 A5, 本 = E6 9C AC; body = 8 + 6 + 1 + 1 = 16 bytes, length 20
            byte[] wire = hex("51 00000014 53454c4543542027 e697a5 e69cac 27 00");
            // then
            assertCodec(wire, new Query("SELECT '日本'"), Query::decode);
        }

        @Test
        void unterminatedStringIsAProtocolViolation() {
            // given: the length covers "SELECT 1" but no terminator
            assertProtocolViolation(hex("51 0000000c 53454c4543542031"), Query::decode);
        }

        @Test
        void emptyBodyIsAProtocolViolation() {
            assertProtocolViolation(hex("51 00000004"), Query::decode);
        }

        @Test
        void trailingBytesAreAProtocolViolation() {
            // given: a second string after the query's terminator
            assertProtocolViolation(typed('Q', cstring("SELECT 1"), cstring("x")), Query::decode);
        }
    }

    @Nested
    class CommandCompleteCodec {

        @Test
        void insertTag() {
            // given: CommandComplete "INSERT 0 5"
            byte[] wire = hex("43 0000000f 494e5345525420302035 00");
            // then
            assertCodec(wire, new CommandComplete("INSERT 0 5"), CommandComplete::decode);
        }

        @Test
        void setTag() {
            byte[] wire = typed('C', cstring("SET"));
            assertCodec(wire, new CommandComplete("SET"), CommandComplete::decode);
        }

        @Test
        void unterminatedTagIsAProtocolViolation() {
            assertProtocolViolation(hex("43 00000007 534554"), CommandComplete::decode);
        }

        @Test
        void trailingBytesAreAProtocolViolation() {
            assertProtocolViolation(typed('C', cstring("SET"), hex("53")), CommandComplete::decode);
        }
    }
}
