package io.pgmux.protocol.message;

import io.pgmux.protocol.TransactionStatus;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static io.pgmux.protocol.SpecBytes.ascii;
import static io.pgmux.protocol.SpecBytes.cstring;
import static io.pgmux.protocol.SpecBytes.hex;
import static io.pgmux.protocol.SpecBytes.int32;
import static io.pgmux.protocol.SpecBytes.typed;
import static io.pgmux.protocol.WireAssertions.assertCodec;
import static io.pgmux.protocol.WireAssertions.assertProtocolViolation;
import static io.pgmux.protocol.WireAssertions.decode;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What a server tells about the session: ReadyForQuery (the transaction status pooling decides
 * on), ParameterStatus, BackendKeyData and NegotiateProtocolVersion.
 */
class SessionStatusMessagesTest {

    @Nested
    class ReadyForQueryCodec {

        @Test
        void idle() {
            // given: Z, Int32(5), 'I'
            assertCodec(hex("5a 00000005 49"), new ReadyForQuery(TransactionStatus.IDLE), ReadyForQuery::decode);
        }

        @Test
        void inTransaction() {
            assertCodec(hex("5a 00000005 54"), new ReadyForQuery(TransactionStatus.IN_TRANSACTION), ReadyForQuery::decode);
        }

        @Test
        void inFailedTransaction() {
            assertCodec(hex("5a 00000005 45"), new ReadyForQuery(TransactionStatus.FAILED), ReadyForQuery::decode);
        }

        @Test
        void statusIsReadWithoutDecodingTheRecord() {
            assertEquals(TransactionStatus.IN_TRANSACTION, decode(hex("5a 00000005 54"), ReadyForQuery::statusOf));
        }

        @ParameterizedTest(name = "status byte 0x{0}")
        @ValueSource(strings = {"58", "69", "00", "80", "ff"})
        void unknownStatusByteIsAProtocolViolation(String statusByte) {
            // given: a status other than 'I', 'T' or 'E' (including bytes with the high bit set)
            assertProtocolViolation(hex("5a 00000005 " + statusByte), ReadyForQuery::decode);
        }

        @Test
        void missingStatusIsAProtocolViolation() {
            assertProtocolViolation(hex("5a 00000004"), ReadyForQuery::decode);
        }

        @Test
        void longerBodyIsAProtocolViolation() {
            assertProtocolViolation(hex("5a 00000006 4949"), ReadyForQuery::decode);
        }
    }

    @Nested
    class ParameterStatusCodec {

        @Test
        void timeZone() {
            // given: S, length, "TimeZone", "UTC"
            byte[] wire = hex("53 00000011 54696d655a6f6e6500 55544300");
            // then
            assertCodec(wire, new ParameterStatus("TimeZone", "UTC"), ParameterStatus::decode);
        }

        @Test
        void emptyValue() {
            byte[] wire = typed('S', cstring("application_name"), cstring(""));
            assertCodec(wire, new ParameterStatus("application_name", ""), ParameterStatus::decode);
        }

        @Test
        void nonAsciiValueIsUtf8() {
            // given: application_name = "café", é = C3 A9
            byte[] wire = typed('S', cstring("application_name"), hex("636166c3a900"));
            // then
            assertCodec(wire, new ParameterStatus("application_name", "café"), ParameterStatus::decode);
        }

        @Test
        void missingValueIsAProtocolViolation() {
            assertProtocolViolation(typed('S', cstring("TimeZone")), ParameterStatus::decode);
        }

        @Test
        void unterminatedValueIsAProtocolViolation() {
            assertProtocolViolation(typed('S', cstring("TimeZone"), ascii("UTC")), ParameterStatus::decode);
        }

        @Test
        void trailingBytesAreAProtocolViolation() {
            assertProtocolViolation(typed('S', cstring("a"), cstring("b"), cstring("c")), ParameterStatus::decode);
        }
    }

    @Nested
    class BackendKeyDataCodec {

        @Test
        void processIdAndSecretKey() {
            // given: K, Int32(12), process id 4242, secret key 0xCAFEBABE
            byte[] wire = hex("4b 0000000c 00001092 cafebabe");
            // then
            assertCodec(wire, new BackendKeyData(4242, 0xCAFEBABE), BackendKeyData::decode);
        }

        @Test
        void longerProtocol32KeyIsAProtocolViolation() {
            // given: a 32-byte secret key, as protocol 3.2 allows but pgmux (speaking 3.0) never asks for
            byte[] wire = typed('K', int32(4242), new byte[32]);
            // then
            assertProtocolViolation(wire, BackendKeyData::decode);
        }

        @Test
        void truncatedKeyIsAProtocolViolation() {
            assertProtocolViolation(hex("4b 0000000a 00001092 cafe"), BackendKeyData::decode);
        }

        @Test
        void emptyBodyIsAProtocolViolation() {
            assertProtocolViolation(hex("4b 00000004"), BackendKeyData::decode);
        }
    }

    @Nested
    class NegotiateProtocolVersionCodec {

        @Test
        void noUnrecognizedOptions() {
            // given: v, Int32(12), newest version 3.0 (0x00030000, as PostgreSQL sends it), no options
            byte[] wire = hex("76 0000000c 00030000 00000000");
            // then
            assertCodec(wire, new NegotiateProtocolVersion(0x0003_0000, List.of()), NegotiateProtocolVersion::decode);
        }

        @Test
        void twoUnrecognizedOptions() {
            // given: version 3.0 and the two _pq_ options the server did not recognize, in order
            byte[] wire = typed('v', hex("00030000"), int32(2), cstring("_pq_.compression"), cstring("_pq_.other"));
            // then
            assertCodec(wire, new NegotiateProtocolVersion(0x0003_0000, List.of("_pq_.compression", "_pq_.other")),
                    NegotiateProtocolVersion::decode);
        }

        @Test
        void fewerOptionsThanCountedIsAProtocolViolation() {
            byte[] wire = typed('v', hex("00030000"), int32(3), cstring("_pq_.a"), cstring("_pq_.b"));
            assertProtocolViolation(wire, NegotiateProtocolVersion::decode);
        }

        @Test
        void moreOptionsThanCountedIsAProtocolViolation() {
            byte[] wire = typed('v', hex("00030000"), int32(1), cstring("_pq_.a"), cstring("_pq_.b"));
            assertProtocolViolation(wire, NegotiateProtocolVersion::decode);
        }

        @Test
        void negativeOptionCountIsAProtocolViolation() {
            assertProtocolViolation(typed('v', hex("00030000"), int32(-1)), NegotiateProtocolVersion::decode);
        }

        @Test
        void missingOptionCountIsAProtocolViolation() {
            assertProtocolViolation(typed('v', hex("00030000")), NegotiateProtocolVersion::decode);
        }

        @Test
        void emptyBodyIsAProtocolViolation() {
            assertProtocolViolation(hex("76 00000004"), NegotiateProtocolVersion::decode);
        }
    }
}
