package io.pgmux.proxy.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.ProtocolException;
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
import java.util.Map;
import java.util.List;
import java.util.Random;

import static io.pgmux.testkit.FuzzFrames.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client's byte stream (SSLRequest, StartupMessage, then typed messages), valid, mutated or
 * random, fed to the client FrameDecoder in random pieces: the frames it emits are exactly the
 * stream's bytes in order, none over the size limit, and anything it refuses is refused with a
 * ProtocolException; no buffer leaks whatever happens.
 */
@AddLifecycleHook(NoNettyLeaks.class)
class FrameDecoderFuzzTest {
    private static final int MAX_MESSAGE = 256;

    @Property(tries = 3_000)
    void framesAreExactlyTheStream(@ForAll("clientStreams") byte[] stream, @ForAll long chunking,
            @ForAll @IntRange(min = 1, max = 64) int maxChunk) throws Exception {
        EmbeddedChannel channel = new EmbeddedChannel(FrameDecoder.forClient(MAX_MESSAGE));
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        try {
            Bounded.run(FuzzFrames.TIME_LIMIT_MILLIS, () -> feed(channel, stream, new Random(chunking), maxChunk, frames));
        } finally {
            finish(channel);
        }
        assertArrayEquals(Arrays.copyOf(stream, frames.size()), frames.toByteArray(), "frames are the stream's bytes");
    }

    /*
     * Closing the channel makes ByteToMessageDecoder decode what is left once more: bytes it refused
     * are refused again (pgmux then hears of one violation twice). Only a ProtocolException may come.
     */
    private static void finish(EmbeddedChannel channel) {
        try {
            channel.finishAndReleaseAll();
        } catch (DecoderException e) {
            channel.releaseInbound();
            assertInstanceOf(ProtocolException.class, e.getCause(), "refused at close with " + e.getCause());
        }
    }

    private static void feed(EmbeddedChannel channel, byte[] stream, Random chunking, int maxChunk, ByteArrayOutputStream frames) {
        int at = 0;
        boolean startup = true;
        while (at < stream.length) {
            int length = Math.min(stream.length - at, 1 + chunking.nextInt(maxChunk));
            ByteBuf chunk = ByteBufAllocator.DEFAULT.buffer(length).writeBytes(stream, at, length);
            at += length;
            try {
                channel.writeInbound(chunk);
            } catch (DecoderException e) {
                assertInstanceOf(ProtocolException.class, e.getCause(), "refused with " + e.getCause());
                drain(channel, frames, startup);
                return;
            }
            startup = drain(channel, frames, startup);
        }
    }

    /** Takes the frames emitted so far; returns whether the decoder is still in the startup phase. */
    private static boolean drain(EmbeddedChannel channel, ByteArrayOutputStream frames, boolean startup) {
        for (ByteBuf frame; (frame = channel.readInbound()) != null; ) {
            try {
                byte[] bytes = ByteBufUtil.getBytes(frame);
                if (startup) {
                    int code = frame.getInt(frame.readerIndex() + 4);
                    startup = code == Frontend.SSL_REQUEST_CODE || code == Frontend.GSSENC_REQUEST_CODE;
                } else {
                    assertTrue(bytes.length <= 1 + MAX_MESSAGE, "a frame of " + bytes.length + " bytes");
                }
                frames.writeBytes(bytes);
            } finally {
                frame.release();
            }
        }
        return startup;
    }

    @Provide
    Arbitrary<byte[]> clientStreams() {
        byte[] sslRequest = {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f};
        byte[] startup = bytes(new StartupMessage(Frontend.PROTOCOL_3_0, Map.of("user", "u", "database", "d")));
        byte[] sync = {'S', 0, 0, 0, 4};
        return Mutations.of(List.of(
                concat(startup, bytes(new Query("SELECT 1"))),
                concat(sslRequest, startup, bytes(new Parse("", "SELECT $1", new int[] {23})),
                        bytes(new Describe(Target.PORTAL, "")), bytes(new Execute("", 0)), sync),
                concat(startup, bytes(new Query("x".repeat(300))))));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
