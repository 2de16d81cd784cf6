package io.pgmux.protocol.message;

import io.pgmux.protocol.Frontend;
import io.pgmux.testkit.FuzzFrames;
import io.pgmux.testkit.Mutations;
import io.pgmux.testkit.NoNettyLeaks;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static io.pgmux.testkit.FuzzFrames.bytes;
import static io.pgmux.testkit.FuzzFrames.decodeOrRefuse;
import static io.pgmux.testkit.FuzzFrames.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The decoders pgmux runs on what clients send (Parse, Bind, Describe, Close, Execute, Query and the
 * password-phase messages) take valid, mutated and random frames: each returns or throws
 * ProtocolException, never anything else, and re-encoding what it returned gives the input back.
 */
@AddLifecycleHook(NoNettyLeaks.class)
class FrontendMessagesFuzzTest {
    private static final int TRIES = 3_000;

    @Property(tries = TRIES)
    void parse(@ForAll("parses") byte[] frame, @ForAll @IntRange(max = 3) int offset) throws Exception {
        roundTrips(frame, decodeOrRefuse(frame, offset, Parse::decode));
    }

    @Property(tries = TRIES)
    void bind(@ForAll("binds") byte[] frame, @ForAll @IntRange(max = 3) int offset) throws Exception {
        roundTrips(frame, decodeOrRefuse(frame, offset, Bind::decode));
        decodeOrRefuse(frame, offset, Bind::statementOf);
    }

    @Property(tries = TRIES)
    void describe(@ForAll("describesAndCloses") byte[] frame, @ForAll @IntRange(max = 3) int offset) throws Exception {
        roundTrips(frame, decodeOrRefuse(frame, offset, Describe::decode));
    }

    @Property(tries = TRIES)
    void close(@ForAll("describesAndCloses") byte[] frame, @ForAll @IntRange(max = 3) int offset) throws Exception {
        roundTrips(frame, decodeOrRefuse(frame, offset, Close::decode));
    }

    @Property(tries = TRIES)
    void execute(@ForAll("executes") byte[] frame, @ForAll @IntRange(max = 3) int offset) throws Exception {
        roundTrips(frame, decodeOrRefuse(frame, offset, Execute::decode));
    }

    @Property(tries = TRIES)
    void query(@ForAll("queries") byte[] frame, @ForAll @IntRange(max = 3) int offset) throws Exception {
        roundTrips(frame, decodeOrRefuse(frame, offset, Query::decode));
    }

    @Property(tries = TRIES)
    void passwordPhaseMessages(@ForAll("passwords") byte[] frame, @ForAll @IntRange(max = 3) int offset) throws Exception {
        decodeOrRefuse(frame, offset, PasswordMessage::decode);
        roundTrips(frame, decodeOrRefuse(frame, offset, SaslInitialResponse::decode));
        roundTrips(frame, decodeOrRefuse(frame, offset, SaslResponse::decode));
    }

    /*
     * What a decoder accepted is what the frame says: encoding it again gives the same body. (The
     * header is not compared: decoders read the body the framing cut, whatever a mutated length says.
     * Bytes that are not ASCII may be invalid UTF-8, which decodes to U+FFFD: those are not compared.)
     */
    private static void roundTrips(byte[] frame, WireMessage decoded) {
        if (decoded == null || frame.length < 5) {
            return;
        }
        for (int i = 5; i < frame.length; i++) {
            if (frame[i] < 0) {
                return;
            }
        }
        byte[] again = bytes(decoded);
        assertEquals(Arrays.toString(Arrays.copyOfRange(frame, 5, frame.length)),
                Arrays.toString(Arrays.copyOfRange(again, 5, again.length)), "re-encoded " + decoded);
    }

    @Provide
    Arbitrary<byte[]> parses() {
        return Mutations.of(List.of(
                bytes(new Parse("", "SELECT 1", new int[0])),
                bytes(new Parse("s1", "SELECT $1::int, $2", new int[] {23, 25})),
                frame('P', new byte[] {'s', 't', 'm', 't'})));
    }

    @Provide
    Arbitrary<byte[]> binds() {
        return Mutations.of(List.of(
                bytes(Bind.of("", "", List.of())),
                bytes(new Bind("p", "s1", new short[] {0, 1}, Arrays.asList(utf8("42"), null), new short[] {1})),
                bytes(Bind.of("portal", "stmt", Arrays.asList("a", null, "")))));
    }

    @Provide
    Arbitrary<byte[]> describesAndCloses() {
        return Mutations.of(List.of(
                bytes(new Describe(Target.STATEMENT, "s1")),
                bytes(new Describe(Target.PORTAL, "")),
                bytes(new Close(Target.STATEMENT, "")),
                frame('D', utf8("Znope\0")),
                frame('D', new byte[0])));
    }

    @Provide
    Arbitrary<byte[]> executes() {
        return Mutations.of(List.of(
                bytes(new Execute("", 0)),
                bytes(new Execute("portal", 10)),
                frame('E', new byte[0])));
    }

    @Provide
    Arbitrary<byte[]> queries() {
        return Mutations.of(List.of(
                bytes(new Query("SELECT 1")),
                bytes(new Query("")),
                bytes(new Query("SET search_path TO a; SELECT 'x;y'"))));
    }

    @Provide
    Arbitrary<byte[]> passwords() {
        return Mutations.of(List.of(
                bytes(new PasswordMessage("secret")),
                bytes(new SaslInitialResponse("SCRAM-SHA-256", utf8("n,,n=,r=abc"))),
                bytes(SaslInitialResponse.withoutInitialResponse("SCRAM-SHA-256")),
                bytes(new SaslResponse(utf8("c=biws,r=abc,p=AAAA"))),
                frame((char) Frontend.PASSWORD, new byte[0])));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
