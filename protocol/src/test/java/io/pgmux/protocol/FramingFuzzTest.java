package io.pgmux.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.pgmux.protocol.message.CancelRequest;
import io.pgmux.protocol.message.Describe;
import io.pgmux.protocol.message.Execute;
import io.pgmux.protocol.message.Parse;
import io.pgmux.protocol.message.Query;
import io.pgmux.protocol.message.StartupMessage;
import io.pgmux.protocol.message.Target;
import io.pgmux.testkit.Bounded;
import io.pgmux.testkit.FuzzFrames;
import io.pgmux.testkit.Mutations;
import io.pgmux.testkit.NoNettyLeaks;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.pgmux.testkit.FuzzFrames.bytes;
import static io.pgmux.testkit.FuzzFrames.decodeOrRefuse;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Framing and the startup-phase parsers take valid, mutated and random byte streams: frames cut are
 * exactly the bytes of the stream, in order, each as long as its header says and never over the
 * limit; what is refused is refused with ProtocolException; StartupMessage and CancelRequest decode
 * or refuse any packet the framing lets through.
 */
@AddLifecycleHook(NoNettyLeaks.class)
class FramingFuzzTest {
    private static final int TRIES = 5_000;
    private static final int MAX_MESSAGE = 64;

    @Property(tries = TRIES)
    void typedFramesAreExactlyTheStream(@ForAll("typedStreams") byte[] stream) throws Exception {
        ByteBuf in = ByteBufAllocator.DEFAULT.buffer().writeBytes(stream);
        ByteArrayOutputStream cut = new ByteArrayOutputStream();
        try {
            Bounded.run(FuzzFrames.TIME_LIMIT_MILLIS, () -> {
                while (true) {
                    ByteBuf frame = Frames.readFrame(in, MAX_MESSAGE);
                    if (frame == null) {
                        break;
                    }
                    try {
                        int length = frame.getInt(frame.readerIndex() + 1);
                        assertEquals(1 + length, frame.readableBytes(), "frame length");
                        assertTrue(length >= 4 && length <= MAX_MESSAGE, "length " + length);
                        cut.writeBytes(ByteBufUtil.getBytes(frame));
                    } finally {
                        frame.release();
                    }
                }
                int left = in.readableBytes();
                assertTrue(left < Frames.HEADER_SIZE || in.getInt(in.readerIndex() + 1) + 1 > left,
                        "a complete frame was left behind");
            });
        } catch (ProtocolException refused) {
            int length = in.getInt(in.readerIndex() + 1);
            assertTrue(length < 4 || length > MAX_MESSAGE, "refused a frame of length " + length);
        } finally {
            in.release();
        }
        assertArrayEquals(Arrays.copyOf(stream, cut.size()), cut.toByteArray(), "frames are the stream's bytes");
    }

    @Property(tries = TRIES)
    void startupPacketsDecodeOrAreRefused(@ForAll("startupStreams") byte[] stream, @ForAll @IntRange(max = 3) int offset)
            throws Exception {
        byte[] packet = decodeOrRefuse(stream, offset, buf -> {
            ByteBuf cut = Frames.readStartupPacket(buf.duplicate());
            if (cut == null) {
                return null;
            }
            try {
                return ByteBufUtil.getBytes(cut);
            } finally {
                cut.release();
            }
        });
        if (packet == null) {
            return;
        }
        assertTrue(packet.length >= 8 && packet.length <= Frames.MAX_STARTUP_PACKET_SIZE);
        decodeOrRefuse(packet, offset, StartupMessage::decode);
        decodeOrRefuse(packet, offset, CancelRequest::decode);
        decodeOrRefuse(packet, offset, Frames::startupCode);
    }

    @Provide
    Arbitrary<byte[]> typedStreams() {
        return Mutations.of(List.of(
                concat(bytes(new Query("SELECT 1")), new byte[] {'S', 0, 0, 0, 4}),
                concat(bytes(new Parse("", "SELECT $1", new int[] {23})), bytes(new Describe(Target.PORTAL, "")),
                        bytes(new Execute("", 0)), new byte[] {'S', 0, 0, 0, 4}),
                new byte[] {'X', 0, 0, 0, 4}));
    }

    @Provide
    Arbitrary<byte[]> startupStreams() {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", "alice");
        parameters.put("database", "db");
        parameters.put("options", "-c search_path=x");
        return Mutations.of(List.of(
                bytes(new StartupMessage(Frontend.PROTOCOL_3_0, parameters)),
                bytes(new StartupMessage(Frontend.PROTOCOL_3_0, Map.of())),
                bytes(new CancelRequest(42, -7)),
                new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f}));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
