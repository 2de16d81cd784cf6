package io.pgmux.protocol.message;

import io.pgmux.protocol.Frontend;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.pgmux.protocol.SpecBytes.ascii;
import static io.pgmux.protocol.SpecBytes.cstring;
import static io.pgmux.protocol.SpecBytes.hex;
import static io.pgmux.protocol.SpecBytes.int32;
import static io.pgmux.protocol.SpecBytes.untyped;
import static io.pgmux.protocol.WireAssertions.assertCodec;
import static io.pgmux.protocol.WireAssertions.assertProtocolViolation;
import static io.pgmux.protocol.WireAssertions.decode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packets without a type byte that open a connection: StartupMessage and CancelRequest. */
class StartupPacketsTest {

    private static Map<String, String> parameters(String... namesAndValues) {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            parameters.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return parameters;
    }

    @Nested
    class StartupMessageCodec {

        @Test
        void userAndDatabaseWithProtocol30() {
            // given: Int32(34), Int32(0x00030000), "user" "alice" "database" "shop", then the final zero byte
            byte[] wire = hex("00000022 00030000 7573657200 616c69636500 646174616261736500 73686f7000 00");
            StartupMessage startup = new StartupMessage(Frontend.PROTOCOL_3_0, parameters("user", "alice", "database", "shop"));
            // when / then
            assertCodec(wire, startup, StartupMessage::decode);
            StartupMessage decoded = decode(wire, StartupMessage::decode);
            assertEquals(3, decoded.majorVersion());
            assertEquals(0, decoded.minorVersion());
        }

        @Test
        void parametersKeepTheClientsOrder() {
            // given: parameters in an order that is neither sorted nor hash order
            Map<String, String> sent = parameters("user", "u", "options", "-c geqo=off", "application_name", "app",
                    "client_encoding", "UTF8", "DateStyle", "ISO, MDY", "database", "d");
            byte[] wire = untyped(int32(0x0003_0000), cstring("user"), cstring("u"), cstring("options"),
                    cstring("-c geqo=off"), cstring("application_name"), cstring("app"), cstring("client_encoding"),
                    cstring("UTF8"), cstring("DateStyle"), cstring("ISO, MDY"), cstring("database"), cstring("d"),
                    hex("00"));
            // when
            StartupMessage decoded = decode(wire, StartupMessage::decode);
            // then: re-encoding forwards them in the same order, byte for byte
            assertCodec(wire, new StartupMessage(Frontend.PROTOCOL_3_0, sent), StartupMessage::decode);
            assertEquals(List.copyOf(sent.keySet()), List.copyOf(decoded.parameters().keySet()));
        }

        @Test
        void protocol32VersionNumber() {
            // given: version 3.2 is 0x00030002 (196610)
            byte[] wire = untyped(hex("00030002"), cstring("user"), cstring("u"), hex("00"));
            // when
            StartupMessage decoded = decode(wire, StartupMessage::decode);
            // then
            assertCodec(wire, new StartupMessage(196610, parameters("user", "u")), StartupMessage::decode);
            assertEquals(3, decoded.majorVersion());
            assertEquals(2, decoded.minorVersion());
        }

        @Test
        void nonAsciiValueIsUtf8() {
            // given: application_name "café" (é = C3 A9)
            byte[] wire = untyped(int32(0x0003_0000), cstring("user"), cstring("u"), cstring("application_name"),
                    hex("636166c3a900"), hex("00"));
            // then
            assertCodec(wire, new StartupMessage(Frontend.PROTOCOL_3_0,
                    parameters("user", "u", "application_name", "café")), StartupMessage::decode);
        }

        @Test
        void emptyValue() {
            byte[] wire = untyped(int32(0x0003_0000), cstring("user"), cstring("u"), cstring("options"), cstring(""),
                    hex("00"));
            assertCodec(wire, new StartupMessage(Frontend.PROTOCOL_3_0, parameters("user", "u", "options", "")),
                    StartupMessage::decode);
        }

        @Test
        void noParametersAtAll() {
            // given: just the version and the terminator (the session, not the codec, insists on "user")
            byte[] wire = hex("00000009 00030000 00");
            // then
            assertCodec(wire, new StartupMessage(Frontend.PROTOCOL_3_0, Map.of()), StartupMessage::decode);
        }

        @Test
        void missingFinalTerminatorIsAProtocolViolation() {
            // given: complete name/value pairs, but no zero byte after the last one
            byte[] wire = untyped(int32(0x0003_0000), cstring("user"), cstring("alice"));
            // then
            assertProtocolViolation(wire, StartupMessage::decode);
        }

        @Test
        void duplicateParameterIsAProtocolViolation() {
            // given: "user" twice, which would leave the proxy guessing which one the server honours
            byte[] wire = untyped(int32(0x0003_0000), cstring("user"), cstring("alice"), cstring("user"),
                    cstring("mallory"), hex("00"));
            // then
            String message = assertProtocolViolation(wire, StartupMessage::decode).getMessage();
            assertTrue(message.contains("user"), message);
        }

        @Test
        void nameWithoutValueIsAProtocolViolation() {
            byte[] wire = untyped(int32(0x0003_0000), cstring("user"), hex("00"));
            // "user", then the zero byte that was meant to end the list is read as an empty value,
            // and the list has no terminator left
            assertProtocolViolation(wire, StartupMessage::decode);
        }

        @Test
        void unterminatedValueIsAProtocolViolation() {
            byte[] wire = untyped(int32(0x0003_0000), cstring("user"), ascii("alice"));
            assertProtocolViolation(wire, StartupMessage::decode);
        }

        @Test
        void bytesAfterTheTerminatorAreAProtocolViolation() {
            byte[] wire = untyped(int32(0x0003_0000), cstring("user"), cstring("alice"), hex("00"), ascii("x"));
            assertProtocolViolation(wire, StartupMessage::decode);
        }

        @Test
        void packetTooShortForAVersionIsAProtocolViolation() {
            // given: a length and half a version
            assertProtocolViolation(hex("00000006 0003"), StartupMessage::decode);
        }
    }

    @Nested
    class CancelRequestCodec {

        @Test
        void processIdAndSecretKey() {
            // given: Int32(16), Int32(80877102) = 0x04D2162E (1234 and 5678), process id, secret key
            byte[] wire = hex("00000010 04d2162e 00001092 cafebabe");
            // then
            assertCodec(wire, new CancelRequest(4242, 0xCAFEBABE), CancelRequest::decode);
        }

        @Test
        void protocol32LongerKeyIsAProtocolViolation() {
            // given: a 32-byte secret key, which only a 3.2 session can have, and pgmux speaks 3.0
            byte[] wire = untyped(int32(Frontend.CANCEL_REQUEST_CODE), int32(4242), new byte[32]);
            // then
            assertProtocolViolation(wire, CancelRequest::decode);
        }

        @Test
        void truncatedKeyIsAProtocolViolation() {
            assertProtocolViolation(hex("0000000c 04d2162e 00001092"), CancelRequest::decode);
        }
    }
}
