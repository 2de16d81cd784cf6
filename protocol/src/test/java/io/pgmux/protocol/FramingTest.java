package io.pgmux.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.pgmux.protocol.message.Query;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.pgmux.protocol.SpecBytes.concat;
import static io.pgmux.protocol.SpecBytes.cstring;
import static io.pgmux.protocol.SpecBytes.hex;
import static io.pgmux.protocol.SpecBytes.int32;
import static io.pgmux.protocol.SpecBytes.typed;
import static io.pgmux.protocol.SpecBytes.untyped;
import static io.pgmux.protocol.WireAssertions.toHex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Frames}: cutting whole messages off the bytes a socket delivers, however they arrive,
 * handing each out as a retained slice and never buffering a message over the limit.
 */
class FramingTest {

    private static final int MAX = 1 << 20;

    /**
     * The read buffers of a test. Unpooled heap buffers keep their reference count after release
     * (pooled ones are recycled), so the check after each test is exact; the pooled allocator the
     * proxy runs with has a test of its own.
     */
    private final ByteBufAllocator alloc = UnpooledByteBufAllocator.DEFAULT;
    private final List<ByteBuf> inputs = new ArrayList<>();

    private ByteBuf input(byte[]... chunks) {
        ByteBuf in = alloc.buffer();
        inputs.add(in);
        for (byte[] chunk : chunks) {
            in.writeBytes(chunk);
        }
        return in;
    }

    @AfterEach
    void everyInputWasReleasedByTheTest() {
        for (ByteBuf in : inputs) {
            assertEquals(0, in.refCnt(), "an input buffer leaked");
        }
    }

    private static void assertFrame(byte[] expected, ByteBuf frame) {
        assertNotNull(frame, "a complete frame");
        assertEquals(toHex(expected), toHex(ByteBufUtil.getBytes(frame)));
    }

    @Nested
    class TypedMessages {

        @Test
        void messageSplitAcrossReadsComesOutOnceCompleteAsARetainedSlice() {
            // given: Query "SELECT 1" arriving in four reads: part of the header, the rest of it, most of the body, its last byte
            byte[] query = typed('Q', cstring("SELECT 1"));
            ByteBuf in = input(Arrays.copyOfRange(query, 0, 3));
            // when / then: nothing until the last byte is there, and nothing is consumed meanwhile
            assertNull(Frames.readFrame(in, MAX));
            in.writeBytes(query, 3, 3);
            assertNull(Frames.readFrame(in, MAX));
            in.writeBytes(query, 6, query.length - 7);
            assertNull(Frames.readFrame(in, MAX));
            assertEquals(0, in.readerIndex());
            in.writeBytes(query, query.length - 1, 1);
            ByteBuf frame = Frames.readFrame(in, MAX);
            // then: exactly one message, sharing the input's memory and holding a reference to it
            assertFrame(query, frame);
            assertEquals(2, in.refCnt(), "the frame holds its own reference to the read buffer");
            assertEquals(0, in.readableBytes());
            // when: the reader is done with its buffer, the frame still lives
            in.release();
            assertEquals(1, frame.refCnt());
            assertEquals('Q', Frames.type(frame));
            // and when the frame is written out and released, the buffer is freed
            frame.release();
            assertEquals(0, frame.refCnt());
        }

        @Test
        void frameIsASliceOfTheReadBufferNotACopy() {
            // given
            ByteBuf in = input(typed('Q', cstring("SELECT 1")));
            // when
            ByteBuf frame = Frames.readFrame(in, MAX);
            in.setByte(5, 'W');
            // then: a change to the read buffer shows through the frame
            assertEquals('W', frame.getByte(frame.readerIndex() + 5));
            frame.release();
            in.release();
        }

        @Test
        void twoMessagesInOneReadComeOutOneByOne() {
            // given: Parse and Sync in one read, plus the first byte of the next message
            byte[] parse = typed('P', cstring(""), cstring("SELECT 1"), hex("0000"));
            byte[] sync = hex("53 00000004");
            ByteBuf in = input(parse, sync, hex("51"));
            // when
            ByteBuf first = Frames.readFrame(in, MAX);
            ByteBuf second = Frames.readFrame(in, MAX);
            ByteBuf third = Frames.readFrame(in, MAX);
            // then
            assertFrame(parse, first);
            assertFrame(sync, second);
            assertNull(third);
            assertEquals(1, in.readableBytes(), "the partial message stays for the next read");
            assertEquals(3, in.refCnt());
            first.release();
            second.release();
            in.release();
            assertEquals(0, in.refCnt());
        }

        @Test
        void typeAndBodyAreViewsOfTheFrame() {
            // given
            ByteBuf in = input(hex("ff"), typed('Q', cstring("SELECT 1")));
            in.skipBytes(1);
            ByteBuf frame = Frames.readFrame(in, MAX);
            // when
            ByteBuf body = Frames.body(frame);
            // then: both are read relative to the frame's reader index
            assertEquals('Q', Frames.type(frame));
            assertEquals(toHex(cstring("SELECT 1")), toHex(ByteBufUtil.getBytes(body)));
            assertEquals(0, frame.readerIndex());
            frame.release();
            in.release();
        }

        @Test
        void messageWithoutBodyIsAWholeFrame() {
            ByteBuf in = input(hex("53 00000004"));
            ByteBuf frame = Frames.readFrame(in, MAX);
            assertFrame(hex("53 00000004"), frame);
            assertEquals(0, Frames.body(frame).readableBytes());
            frame.release();
            in.release();
        }

        @Test
        void decodingABufferShorterThanAHeaderIsAProtocolViolation() {
            // given: a type byte and half a length, handed to a decoder as if it were a frame
            WireAssertions.assertProtocolViolation(hex("51 0000"), Query::decode);
        }

        @ParameterizedTest(name = "length {0}")
        @ValueSource(ints = {3, 0, -1, Integer.MIN_VALUE})
        void lengthShorterThanItselfIsRefusedFromTheHeaderAlone(int length) {
            // given: only the five header bytes have arrived
            ByteBuf in = input(hex("51"), int32(length));
            // when / then
            ProtocolException e = assertThrows(ProtocolException.class, () -> Frames.readFrame(in, MAX));
            assertEquals(SqlState.PROTOCOL_VIOLATION, e.sqlState());
            assertEquals(1, in.refCnt(), "no frame was cut");
            in.release();
        }

        @Test
        void lengthOverTheLimitIsRefusedBeforeTheBodyArrives() {
            // given: the header of a 2 GiB query; none of its body has arrived
            ByteBuf in = input(hex("51"), int32(Integer.MAX_VALUE - 4));
            // when / then: refused now, not after buffering the body
            ProtocolException e = assertThrows(ProtocolException.class, () -> Frames.readFrame(in, MAX));
            assertEquals(SqlState.PROTOCOL_VIOLATION, e.sqlState());
            assertTrue(e.getMessage().contains("'Q'"), e.getMessage());
            in.release();
        }

        @Test
        void lengthExactlyAtTheLimitIsAccepted() {
            // given: a limit of 13, and Query "SELECT 1" whose length field is 13
            byte[] query = typed('Q', cstring("SELECT 1"));
            ByteBuf in = input(query, typed('Q', cstring("SELECT 10")));
            // when
            ByteBuf frame = Frames.readFrame(in, 13);
            // then: the limit is inclusive, and one byte more is refused
            assertFrame(query, frame);
            assertThrows(ProtocolException.class, () -> Frames.readFrame(in, 13));
            frame.release();
            in.release();
        }

        @Test
        void hugeDeclaredLengthUnderAnUnlimitedMaximumWaitsForTheBody() {
            // given: no practical limit, and a header declaring the largest possible length
            ByteBuf in = input(hex("64"), int32(Integer.MAX_VALUE), hex("00"));
            // when / then: incomplete, not an arithmetic overflow
            assertNull(Frames.readFrame(in, Integer.MAX_VALUE));
            in.release();
        }

        @Test
        void pooledReadBuffersAreAccountedTheSameWay() {
            // given: a read buffer from the pooled allocator the proxy runs with, holding Sync and Flush
            ByteBuf in = PooledByteBufAllocator.DEFAULT.buffer();
            in.writeBytes(concat(hex("53 00000004"), hex("48 00000004")));
            // when
            ByteBuf sync = Frames.readFrame(in, MAX);
            ByteBuf flush = Frames.readFrame(in, MAX);
            // then: each frame holds one reference to the read buffer, and outlives the reader's own
            assertEquals(3, in.refCnt());
            in.release();
            assertFrame(hex("53 00000004"), sync);
            assertFrame(hex("48 00000004"), flush);
            sync.release();
            assertEquals(1, in.refCnt());
            flush.release();
            assertEquals(0, in.refCnt());
        }
    }

    @Nested
    class StartupPackets {

        @Test
        void startupMessageSplitAcrossReadsComesOutOnceComplete() {
            // given
            byte[] startup = untyped(int32(Frontend.PROTOCOL_3_0), cstring("user"), cstring("alice"), hex("00"));
            ByteBuf in = input(Arrays.copyOfRange(startup, 0, 2));
            // when / then
            assertNull(Frames.readStartupPacket(in));
            in.writeBytes(startup, 2, 8);
            assertNull(Frames.readStartupPacket(in));
            in.writeBytes(startup, 10, startup.length - 10);
            ByteBuf packet = Frames.readStartupPacket(in);
            assertFrame(startup, packet);
            assertEquals(Frontend.PROTOCOL_3_0, Frames.startupCode(packet));
            assertEquals(2, in.refCnt());
            packet.release();
            in.release();
        }

        @Test
        void sslRequestIsRecognizedByItsCode() {
            // given: Int32(8), Int32(80877103) = 1234 and 5679
            ByteBuf in = input(hex("00000008 04d2162f"));
            // when
            ByteBuf packet = Frames.readStartupPacket(in);
            // then
            assertEquals(Frontend.SSL_REQUEST_CODE, Frames.startupCode(packet));
            assertEquals(80877103, Frames.startupCode(packet));
            packet.release();
            in.release();
        }

        @Test
        void gssEncRequestIsRecognizedByItsCode() {
            // given: Int32(8), Int32(80877104) = 1234 and 5680
            ByteBuf in = input(hex("00000008 04d21630"));
            ByteBuf packet = Frames.readStartupPacket(in);
            assertEquals(Frontend.GSSENC_REQUEST_CODE, Frames.startupCode(packet));
            assertEquals(80877104, Frames.startupCode(packet));
            packet.release();
            in.release();
        }

        @Test
        void cancelRequestIsRecognizedByItsCode() {
            // given: Int32(16), Int32(80877102) = 1234 and 5678, process id, key
            ByteBuf in = input(hex("00000010 04d2162e 00001092 cafebabe"));
            ByteBuf packet = Frames.readStartupPacket(in);
            assertEquals(Frontend.CANCEL_REQUEST_CODE, Frames.startupCode(packet));
            assertEquals(80877102, Frames.startupCode(packet));
            packet.release();
            in.release();
        }

        @Test
        void sslRequestFollowedByTheStartupMessageComeOutOneByOne() {
            // given: a client that pipelines its startup behind the SSLRequest (as after a refusal)
            byte[] ssl = hex("00000008 04d2162f");
            byte[] startup = untyped(int32(Frontend.PROTOCOL_3_0), cstring("user"), cstring("u"), hex("00"));
            ByteBuf in = input(ssl, startup);
            // when
            ByteBuf first = Frames.readStartupPacket(in);
            ByteBuf second = Frames.readStartupPacket(in);
            // then
            assertFrame(ssl, first);
            assertFrame(startup, second);
            first.release();
            second.release();
            in.release();
        }

        @ParameterizedTest(name = "length {0}")
        @ValueSource(ints = {7, 4, 0, -1})
        void lengthBelowEightIsRefusedFromTheLengthAlone(int length) {
            ByteBuf in = input(int32(length));
            ProtocolException e = assertThrows(ProtocolException.class, () -> Frames.readStartupPacket(in));
            assertEquals(SqlState.PROTOCOL_VIOLATION, e.sqlState());
            in.release();
        }

        @Test
        void lengthOverTenThousandIsRefusedBeforeTheBodyArrives() {
            // given: only the length of a 10001-byte packet
            ByteBuf in = input(int32(10_001));
            // when / then
            ProtocolException e = assertThrows(ProtocolException.class, () -> Frames.readStartupPacket(in));
            assertEquals(SqlState.PROTOCOL_VIOLATION, e.sqlState());
            in.release();
        }

        @Test
        void lengthOfExactlyTenThousandIsAccepted() {
            // given: a startup message padded with one long option to exactly 10000 bytes
            // length + version + "user" "u" + "options" + value terminator + list terminator = 25
            String value = "x".repeat(10_000 - 25);
            byte[] startup = untyped(int32(Frontend.PROTOCOL_3_0), cstring("user"), cstring("u"), cstring("options"),
                    cstring(value), hex("00"));
            assertEquals(10_000, startup.length);
            ByteBuf in = input(startup);
            // when
            ByteBuf packet = Frames.readStartupPacket(in);
            // then
            assertFrame(startup, packet);
            packet.release();
            in.release();
        }

        @Test
        void lessThanALengthWaits() {
            ByteBuf in = input(hex("000000"));
            assertNull(Frames.readStartupPacket(in));
            assertEquals(0, in.readerIndex());
            in.release();
        }
    }
}
