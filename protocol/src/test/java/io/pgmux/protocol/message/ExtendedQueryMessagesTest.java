package io.pgmux.protocol.message;

import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static io.pgmux.protocol.SpecBytes.byte1;
import static io.pgmux.protocol.SpecBytes.concat;
import static io.pgmux.protocol.SpecBytes.cstring;
import static io.pgmux.protocol.SpecBytes.hex;
import static io.pgmux.protocol.SpecBytes.int16;
import static io.pgmux.protocol.SpecBytes.int32;
import static io.pgmux.protocol.SpecBytes.typed;
import static io.pgmux.protocol.WireAssertions.assertCodec;
import static io.pgmux.protocol.WireAssertions.assertProtocolViolation;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parse, Describe, Close and Execute: the extended-protocol messages the proxy rewrites. */
class ExtendedQueryMessagesTest {

    @Nested
    class ParseCodec {

        @Test
        void namedStatementWithOneParameterType() {
            // given: Parse of statement "s1", query "SELECT $1", parameter type int4 (OID 23), spelled by hand
            byte[] wire = hex("50 00000017" + " 733100" + " 53454c45435420243100" + " 0001" + " 00000017");
            // then: encoding writes those bytes and decoding reads the same Parse back
            assertCodec(wire, new Parse("s1", "SELECT $1", new int[] {23}), Parse::decode);
        }

        @Test
        void unnamedStatementWithZeroParameterTypes() {
            // given: the unnamed statement (empty name) and no prespecified types
            byte[] wire = typed('P', cstring(""), cstring("SELECT 1"), int16(0));
            // then
            assertCodec(wire, new Parse("", "SELECT 1", new int[0]), Parse::decode);
        }

        @Test
        void emptyQueryString() {
            // given: Parse of an empty query, which PostgreSQL answers with EmptyQueryResponse on Execute
            byte[] wire = hex("50 00000008 00 00 0000");
            // then
            assertCodec(wire, new Parse("", "", new int[0]), Parse::decode);
        }

        @Test
        void unspecifiedTypeIsZeroAndOidsAboveIntMaxSurvive() {
            // given: types 0 (unspecified) and OID 4294967295, the largest unsigned OID
            byte[] wire = typed('P', cstring("s"), cstring("SELECT $1, $2"), int16(2), int32(0), hex("FFFFFFFF"));
            // then: the OID round-trips bit for bit
            assertCodec(wire, new Parse("s", "SELECT $1, $2", new int[] {0, -1}), Parse::decode);
        }

        @Test
        void theMostParameterTypesAnInt16CountCanCarry() {
            // given: 65535 parameter types; the count is read as unsigned, as PostgreSQL does
            int count = 65535;
            int[] types = new int[count];
            byte[][] typeBytes = new byte[count][];
            for (int i = 0; i < count; i++) {
                types[i] = 1000 + i;
                typeBytes[i] = int32(1000 + i);
            }
            byte[] wire = typed('P', cstring("many"), cstring("SELECT"), hex("FFFF"), concat(typeBytes));
            // then
            assertCodec(wire, new Parse("many", "SELECT", types), Parse::decode);
        }

        @Test
        void queryTextIsUtf8AndTheLengthCountsBytes() {
            // given: SELECT 'ü' — 'ü' is two bytes in UTF-8 (C3 BC), so the length is 4 + 1 + 12 + 2 = 19
            byte[] wire = hex("50 00000013 00 53454c4543542027c3bc2700 0000");
            // then
            assertCodec(wire, new Parse("", "SELECT 'ü'", new int[0]), Parse::decode);
        }

        @Test
        void encodingMoreParameterTypesThanTheInt16CountCanSayIsRefused() {
            // given: 65536 types, one more than an Int16 count can carry
            Parse parse = new Parse("s", "SELECT", new int[65536]);
            // when / then: refused, rather than writing a count of 0 followed by 256 KiB of stray bytes
            var out = Unpooled.buffer();
            try {
                assertThrows(IllegalArgumentException.class, () -> parse.encode(out));
            } finally {
                out.release();
            }
        }

        @Test
        void parameterCountThatDisagreesWithTheLengthIsAProtocolViolation() {
            // given: a count of 2 followed by a single type
            byte[] wire = typed('P', cstring("s1"), cstring("SELECT $1, $2"), int16(2), int32(23));
            // then
            assertProtocolViolation(wire, Parse::decode);
        }

        @Test
        void typesBeyondTheCountAreAProtocolViolation() {
            // given: a count of 1 followed by two types
            byte[] wire = typed('P', cstring("s1"), cstring("SELECT $1"), int16(1), int32(23), int32(25));
            // then
            assertProtocolViolation(wire, Parse::decode);
        }

        @Test
        void missingParameterCountIsAProtocolViolation() {
            // given: the strings, then the body ends where the Int16 count should be
            byte[] wire = typed('P', cstring("s1"), cstring("SELECT 1"));
            // then
            assertProtocolViolation(wire, Parse::decode);
        }

        @Test
        void unterminatedQueryIsAProtocolViolation() {
            // given: the query string runs to the end of the body without its zero byte
            byte[] wire = typed('P', cstring("s1"), hex("53454c45435420"));
            // then
            assertProtocolViolation(wire, Parse::decode);
        }

        @Test
        void emptyBodyIsAProtocolViolation() {
            assertProtocolViolation(hex("50 00000004"), Parse::decode);
        }
    }

    @Nested
    class DescribeCodec {

        @Test
        void namedStatement() {
            // given: Describe 'S' "s1"
            byte[] wire = hex("44 00000008 53 733100");
            // then
            assertCodec(wire, new Describe(Target.STATEMENT, "s1"), Describe::decode);
        }

        @Test
        void unnamedPortal() {
            // given: Describe 'P' "" — the empty name selects the unnamed portal
            byte[] wire = hex("44 00000006 50 00");
            // then
            assertCodec(wire, new Describe(Target.PORTAL, ""), Describe::decode);
        }

        @Test
        void targetOtherThanStatementOrPortalIsAProtocolViolation() {
            // given: target byte 'X'
            byte[] wire = typed('D', byte1('X'), cstring("s1"));
            // then
            String message = assertProtocolViolation(wire, Describe::decode).getMessage();
            assertTrue(message.contains("0x58"), message);
        }

        @Test
        void emptyBodyIsAProtocolViolation() {
            // given: no target byte at all
            assertProtocolViolation(hex("44 00000004"), Describe::decode);
        }

        @Test
        void unterminatedNameIsAProtocolViolation() {
            assertProtocolViolation(typed('D', byte1('S'), hex("7331")), Describe::decode);
        }

        @Test
        void trailingBytesAreAProtocolViolation() {
            assertProtocolViolation(typed('D', byte1('S'), cstring("s1"), hex("00")), Describe::decode);
        }
    }

    @Nested
    class CloseCodec {

        @Test
        void namedStatement() {
            // given: Close 'S' "s1"
            byte[] wire = hex("43 00000008 53 733100");
            // then
            assertCodec(wire, new Close(Target.STATEMENT, "s1"), Close::decode);
        }

        @Test
        void unnamedPortal() {
            byte[] wire = hex("43 00000006 50 00");
            assertCodec(wire, new Close(Target.PORTAL, ""), Close::decode);
        }

        @Test
        void statementNameIsUtf8() {
            // given: statement "é" (C3 A9)
            byte[] wire = hex("43 00000008 53 c3a900");
            // then
            assertCodec(wire, new Close(Target.STATEMENT, "é"), Close::decode);
        }

        @Test
        void targetOtherThanStatementOrPortalIsAProtocolViolation() {
            assertProtocolViolation(typed('C', byte1('s'), cstring("s1")), Close::decode);
        }

        @Test
        void emptyBodyIsAProtocolViolation() {
            assertProtocolViolation(hex("43 00000004"), Close::decode);
        }

        @Test
        void unterminatedNameIsAProtocolViolation() {
            assertProtocolViolation(typed('C', byte1('P'), hex("70")), Close::decode);
        }

        @Test
        void trailingBytesAreAProtocolViolation() {
            assertProtocolViolation(typed('C', byte1('P'), cstring(""), cstring("")), Close::decode);
        }
    }

    @Nested
    class ExecuteCodec {

        @Test
        void unnamedPortalWithoutRowLimit() {
            // given: Execute "" with max rows 0 ("no limit")
            byte[] wire = hex("45 00000009 00 00000000");
            // then
            assertCodec(wire, new Execute("", 0), Execute::decode);
        }

        @Test
        void namedPortalWithRowLimit() {
            // given: Execute "c1", at most 100 rows
            byte[] wire = hex("45 0000000b 633100 00000064");
            // then
            assertCodec(wire, new Execute("c1", 100), Execute::decode);
        }

        @Test
        void missingRowLimitIsAProtocolViolation() {
            // given: the portal name, then only two of the four bytes of max rows
            assertProtocolViolation(typed('E', cstring("c1"), int16(0)), Execute::decode);
        }

        @Test
        void emptyBodyIsAProtocolViolation() {
            assertProtocolViolation(hex("45 00000004"), Execute::decode);
        }

        @Test
        void unterminatedPortalNameIsAProtocolViolation() {
            assertProtocolViolation(typed('E', hex("6331")), Execute::decode);
        }

        @Test
        void trailingBytesAreAProtocolViolation() {
            assertProtocolViolation(typed('E', cstring(""), int32(0), hex("00")), Execute::decode);
        }
    }
}
