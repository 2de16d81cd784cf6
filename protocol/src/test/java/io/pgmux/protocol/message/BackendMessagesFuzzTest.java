package io.pgmux.protocol.message;

import io.pgmux.protocol.TransactionStatus;
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

/**
 * The decoders pgmux runs on what servers send (authentication requests, ErrorResponse and
 * NoticeResponse, ParameterStatus, BackendKeyData, ReadyForQuery, CommandComplete, RowDescription,
 * DataRow, NegotiateProtocolVersion) take valid, mutated and random frames: each returns or throws
 * ProtocolException, never anything else.
 */
@AddLifecycleHook(NoNettyLeaks.class)
class BackendMessagesFuzzTest {
    private static final int TRIES = 3_000;

    @Property(tries = TRIES)
    void authenticationRequest(@ForAll("authentications") byte[] frame, @ForAll @IntRange(max = 3) int offset) throws Exception {
        AuthenticationRequest request = decodeOrRefuse(frame, offset, AuthenticationRequest::decode);
        if (request != null && request.code() == io.pgmux.protocol.Backend.AUTH_SASL) {
            try {
                request.saslMechanisms();
            } catch (io.pgmux.protocol.ProtocolException refused) {
                // documented
            }
        }
    }

    @Property(tries = TRIES)
    void errorAndNoticeResponse(@ForAll("errors") byte[] frame, @ForAll @IntRange(max = 3) int offset) throws Exception {
        ErrorResponse error = decodeOrRefuse(frame, offset, ErrorResponse::decode);
        if (error != null) {
            error.toString();
            error.isFatal();
        }
    }

    @Property(tries = TRIES)
    void sessionStatusMessages(@ForAll("statuses") byte[] frame, @ForAll @IntRange(max = 3) int offset) throws Exception {
        decodeOrRefuse(frame, offset, ParameterStatus::decode);
        decodeOrRefuse(frame, offset, BackendKeyData::decode);
        decodeOrRefuse(frame, offset, ReadyForQuery::statusOf);
        decodeOrRefuse(frame, offset, CommandComplete::decode);
        decodeOrRefuse(frame, offset, NegotiateProtocolVersion::decode);
    }

    @Property(tries = TRIES)
    void rows(@ForAll("rowMessages") byte[] frame, @ForAll @IntRange(max = 3) int offset) throws Exception {
        decodeOrRefuse(frame, offset, RowDescription::decode);
        decodeOrRefuse(frame, offset, DataRow::decode);
    }

    @Provide
    Arbitrary<byte[]> authentications() {
        return Mutations.of(List.of(
                bytes(AuthenticationRequest.ok()),
                bytes(AuthenticationRequest.md5Password(new byte[] {1, 2, 3, 4})),
                bytes(AuthenticationRequest.sasl(List.of("SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"))),
                bytes(AuthenticationRequest.saslContinue(utf8("r=abc,s=QSXCR+Q6sek8bf92,i=4096"))),
                bytes(AuthenticationRequest.saslFinal(utf8("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")))));
    }

    @Provide
    Arbitrary<byte[]> errors() {
        return Mutations.of(List.of(
                bytes(ErrorResponse.error("42601", "syntax error at or near \"x\"").withDetail("d").withHint("h")),
                bytes(ErrorResponse.fatal("08P01", "invalid frontend message type 121")),
                frame('E', new byte[] {0})));
    }

    @Provide
    Arbitrary<byte[]> statuses() {
        return Mutations.of(List.of(
                bytes(new ParameterStatus("TimeZone", "UTC")),
                bytes(new BackendKeyData(1234, -5678)),
                bytes(new ReadyForQuery(TransactionStatus.IDLE)),
                bytes(new ReadyForQuery(TransactionStatus.IN_TRANSACTION)),
                bytes(new CommandComplete("SELECT 1")),
                bytes(new NegotiateProtocolVersion(0x30000, List.of("_pq_.x", "_pq_.y")))));
    }

    @Provide
    Arbitrary<byte[]> rowMessages() {
        return Mutations.of(List.of(
                bytes(new RowDescription(List.of(RowDescription.Field.text("a", RowDescription.INT4),
                        RowDescription.Field.text("b", RowDescription.TEXT)))),
                bytes(new DataRow(Arrays.asList("1", null, ""))),
                bytes(new DataRow(List.of()))));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
