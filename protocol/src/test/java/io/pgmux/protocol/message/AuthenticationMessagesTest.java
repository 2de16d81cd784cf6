package io.pgmux.protocol.message;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.protocol.SqlState;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The authentication exchange: the server's AuthenticationRequest ('R') and the client's answers,
 * which all share type 'p' (PasswordMessage, SASLInitialResponse, SASLResponse).
 */
class AuthenticationMessagesTest {

    /** A SCRAM-SHA-256 exchange's client-first message (RFC 7677's example). */
    private static final String CLIENT_FIRST = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    private static final String SERVER_FIRST =
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private static final String SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    @Nested
    class AuthenticationRequestCodec {

        @Test
        void ok() {
            // given: AuthenticationOk is R, Int32(8), Int32(0)
            byte[] wire = hex("52 00000008 00000000");
            // then
            assertCodec(wire, AuthenticationRequest.ok(), AuthenticationRequest::decode);
        }

        @Test
        void cleartextPassword() {
            // given: R, Int32(8), Int32(3)
            byte[] wire = hex("52 00000008 00000003");
            // then
            assertCodec(wire, AuthenticationRequest.cleartextPassword(), AuthenticationRequest::decode);
        }

        @Test
        void md5PasswordCarriesItsFourByteSalt() {
            // given: R, Int32(12), Int32(5), Byte4 salt
            byte[] wire = hex("52 0000000c 00000005 9a0b1c2d");
            // then
            assertCodec(wire, AuthenticationRequest.md5Password(hex("9a0b1c2d")), AuthenticationRequest::decode);
        }

        @Test
        void saslListsMechanismsInTheServersOrderOfPreference() {
            // given: R, length, Int32(10), then each mechanism as a String and a final zero byte
            byte[] wire = typed('R', int32(10), cstring("SCRAM-SHA-256-PLUS"), cstring("SCRAM-SHA-256"), hex("00"));
            AuthenticationRequest sasl = AuthenticationRequest.sasl(List.of("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"));
            // when / then
            assertCodec(wire, sasl, AuthenticationRequest::decode);
            assertEquals(List.of("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"),
                    decode(wire, AuthenticationRequest::decode).saslMechanisms());
        }

        @Test
        void saslWithASingleMechanism() {
            // given: exactly what PostgreSQL sends for scram-sha-256 without channel binding
            byte[] wire = hex("52 00000017 0000000a 534352414d2d5348412d32353600 00");
            // then
            assertCodec(wire, AuthenticationRequest.sasl(List.of("SCRAM-SHA-256")), AuthenticationRequest::decode);
            assertEquals(List.of("SCRAM-SHA-256"), decode(wire, AuthenticationRequest::decode).saslMechanisms());
        }

        @Test
        void saslContinueCarriesTheServerChallenge() {
            // given: R, length, Int32(11), the SCRAM server-first message as raw bytes
            byte[] wire = typed('R', int32(11), ascii(SERVER_FIRST));
            // then
            assertCodec(wire, AuthenticationRequest.saslContinue(ascii(SERVER_FIRST)), AuthenticationRequest::decode);
        }

        @Test
        void saslFinalCarriesTheServerSignature() {
            // given: R, length, Int32(12), the SCRAM server-final message as raw bytes
            byte[] wire = typed('R', int32(12), ascii(SERVER_FINAL));
            // then
            assertCodec(wire, AuthenticationRequest.saslFinal(ascii(SERVER_FINAL)), AuthenticationRequest::decode);
        }

        @Test
        void mechanismListWithoutItsFinalZeroByteIsAProtocolViolation() {
            // given: one mechanism name, terminated, but no empty name closing the list
            byte[] wire = typed('R', int32(10), cstring("SCRAM-SHA-256"));
            AuthenticationRequest sasl = decode(wire, AuthenticationRequest::decode);
            // when / then
            ProtocolException e = assertThrows(ProtocolException.class, sasl::saslMechanisms);
            assertEquals(SqlState.PROTOCOL_VIOLATION, e.sqlState());
        }

        @Test
        void unterminatedMechanismNameIsAProtocolViolation() {
            byte[] wire = typed('R', int32(10), ascii("SCRAM-SHA-256"));
            AuthenticationRequest sasl = decode(wire, AuthenticationRequest::decode);
            assertThrows(ProtocolException.class, sasl::saslMechanisms);
        }

        @Test
        void bytesAfterTheMechanismListAreAProtocolViolation() {
            byte[] wire = typed('R', int32(10), cstring("SCRAM-SHA-256"), hex("00"), ascii("x"));
            AuthenticationRequest sasl = decode(wire, AuthenticationRequest::decode);
            assertThrows(ProtocolException.class, sasl::saslMechanisms);
        }

        @Test
        void mechanismsOfARequestThatIsNotSaslIsAProgrammingError() {
            assertThrows(IllegalStateException.class, () -> AuthenticationRequest.ok().saslMechanisms());
        }

        @Test
        void md5SaltOfTheWrongSizeIsAProtocolViolation() {
            // given: AuthenticationMD5Password with a three-byte salt
            assertProtocolViolation(hex("52 0000000b 00000005 9a0b1c"), AuthenticationRequest::decode);
        }

        @Test
        void okWithTrailingBytesIsAProtocolViolation() {
            assertProtocolViolation(hex("52 0000000c 00000000 00000000"), AuthenticationRequest::decode);
        }

        @Test
        void truncatedCodeIsAProtocolViolation() {
            assertProtocolViolation(hex("52 00000006 0000"), AuthenticationRequest::decode);
        }

        @Test
        void emptyBodyIsAProtocolViolation() {
            assertProtocolViolation(hex("52 00000004"), AuthenticationRequest::decode);
        }

        @Test
        void codeIsReadAsItIs() {
            // given: AuthenticationGSS, which pgmux does not implement but must still recognize
            AuthenticationRequest gss = decode(hex("52 00000008 00000007"), AuthenticationRequest::decode);
            // then
            assertEquals(Backend.AUTH_GSS, gss.code());
            assertEquals(0, gss.data().length);
        }
    }

    @Nested
    class PasswordMessageCodec {

        @Test
        void md5Answer() {
            // given: p, length, "md5" followed by 32 hex digits, terminated
            String answer = "md5" + "0123456789abcdef0123456789abcdef";
            byte[] wire = typed('p', cstring(answer));
            // then
            assertCodec(wire, new PasswordMessage(answer), PasswordMessage::decode);
        }

        @Test
        void emptyPassword() {
            assertCodec(hex("70 00000005 00"), new PasswordMessage(""), PasswordMessage::decode);
        }

        @Test
        void nonAsciiPasswordIsUtf8() {
            // given: "pässword", ä = C3 A4
            byte[] wire = hex("70 0000000e 70c3a47373776f726400");
            // then
            assertCodec(wire, new PasswordMessage("pässword"), PasswordMessage::decode);
        }

        @Test
        void passwordIsNotShownInToString() {
            assertFalse(new PasswordMessage("hunter2").toString().contains("hunter2"));
        }

        @Test
        void unterminatedPasswordIsAProtocolViolation() {
            assertProtocolViolation(hex("70 00000007 616263"), PasswordMessage::decode);
        }

        @Test
        void trailingBytesAreAProtocolViolation() {
            assertProtocolViolation(typed('p', cstring("abc"), cstring("def")), PasswordMessage::decode);
        }
    }

    @Nested
    class SaslInitialResponseCodec {

        @Test
        void scramClientFirstMessage() {
            // given: p, length, mechanism String, Int32 length of the initial response, the response
            byte[] wire = typed('p', cstring("SCRAM-SHA-256"), int32(CLIENT_FIRST.length()), ascii(CLIENT_FIRST));
            // then
            assertCodec(wire, new SaslInitialResponse("SCRAM-SHA-256", ascii(CLIENT_FIRST)), SaslInitialResponse::decode);
        }

        @Test
        void absentInitialResponseIsLengthMinusOne() {
            // given: no initial response at all, which the spec writes as Int32(-1) with no bytes after it
            byte[] wire = hex("70 00000016 534352414d2d5348412d32353600 ffffffff");
            SaslInitialResponse absent = SaslInitialResponse.withoutInitialResponse("SCRAM-SHA-256");
            // then: -1 survives both ways, and is not mistaken for an empty response
            assertCodec(wire, absent, SaslInitialResponse::decode);
            assertFalse(decode(wire, SaslInitialResponse::decode).hasInitialResponse());
            assertNull(absent.data());
        }

        @Test
        void emptyInitialResponseIsLengthZeroAndDiffersFromAbsent() {
            // given: an initial response of zero bytes: Int32(0)
            byte[] wire = typed('p', cstring("SCRAM-SHA-256"), int32(0));
            SaslInitialResponse empty = new SaslInitialResponse("SCRAM-SHA-256", new byte[0]);
            // then
            assertCodec(wire, empty, SaslInitialResponse::decode);
            assertTrue(empty.hasInitialResponse());
            assertNotEquals(SaslInitialResponse.withoutInitialResponse("SCRAM-SHA-256"), empty);
        }

        @Test
        void responseLongerThanTheBodyIsAProtocolViolation() {
            byte[] wire = typed('p', cstring("SCRAM-SHA-256"), int32(100), ascii("n,,"));
            assertProtocolViolation(wire, SaslInitialResponse::decode);
        }

        @Test
        void negativeLengthOtherThanMinusOneIsAProtocolViolation() {
            assertProtocolViolation(typed('p', cstring("SCRAM-SHA-256"), int32(-2)), SaslInitialResponse::decode);
        }

        @Test
        void missingLengthIsAProtocolViolation() {
            assertProtocolViolation(typed('p', cstring("SCRAM-SHA-256"), hex("0000")), SaslInitialResponse::decode);
        }

        @Test
        void unterminatedMechanismIsAProtocolViolation() {
            assertProtocolViolation(typed('p', ascii("SCRAM-SHA-256")), SaslInitialResponse::decode);
        }

        @Test
        void bytesAfterTheResponseAreAProtocolViolation() {
            byte[] wire = typed('p', cstring("SCRAM-SHA-256"), int32(3), ascii("n,,"), ascii("x"));
            assertProtocolViolation(wire, SaslInitialResponse::decode);
        }

        @Test
        void bytesAfterAnAbsentResponseAreAProtocolViolation() {
            byte[] wire = typed('p', cstring("SCRAM-SHA-256"), int32(-1), ascii("n,,"));
            assertProtocolViolation(wire, SaslInitialResponse::decode);
        }
    }

    @Nested
    class SaslResponseCodec {

        @Test
        void scramClientFinalMessage() {
            // given: p, length, then the mechanism data to the end of the message
            String clientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
            byte[] wire = typed('p', ascii(clientFinal));
            // then
            assertCodec(wire, new SaslResponse(ascii(clientFinal)), SaslResponse::decode);
        }

        @Test
        void emptyResponse() {
            assertCodec(hex("70 00000004"), new SaslResponse(new byte[0]), SaslResponse::decode);
        }
    }
}
