package io.pgmux.proxy.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.ProtocolException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Large rows and copy data pass through the decoder in chunks as they arrive, never held whole. */
class FrameDecoderStreamingTest {
    private static final int MAX_MESSAGE_SIZE = 1 << 20;
    private static final int LARGE = 3 * FrameDecoder.STREAMING_THRESHOLD;

    /** What came out of the decoder, in order: "frame", "head" or "chunk"/"last", with its bytes. */
    private final List<String> kinds = new ArrayList<>();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private boolean streamingAllowed;
    private EmbeddedChannel channel;

    @AfterEach
    void close() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void aLargeRowThatArrivesInPiecesIsHandedOutAsAHeadThenChunksAsTheyCome() {
        server();
        byte[] row = message('D', LARGE, 1);

        channel.writeInbound(Unpooled.wrappedBuffer(row, 0, 1000));
        assertEquals(List.of("head 1000"), kinds, "the head goes before the rest has arrived");
        channel.writeInbound(Unpooled.wrappedBuffer(row, 1000, 100_000));
        channel.writeInbound(Unpooled.wrappedBuffer(row, 101_000, row.length - 101_000));

        assertEquals(List.of("head 1000", "chunk 100000", "last " + (row.length - 101_000)), kinds);
        assertArrayEquals(row, bytes.toByteArray());
    }

    @Test
    void theMessagesAroundAStreamedOneStayWholeEvenInTheSameRead() {
        server();
        byte[] before = message('T', 20, 2);
        byte[] row = message('D', LARGE, 3);
        byte[] after = message('C', 12, 4);

        channel.writeInbound(Unpooled.wrappedBuffer(before, Arrays.copyOf(row, 5000)));
        channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(row, 5000, row.length), after));

        assertEquals(List.of("frame 25", "head 5000", "last " + (row.length - 5000), "frame 17"), kinds);
        assertArrayEquals(concat(before, row, after), bytes.toByteArray());
    }

    @Test
    void aLargeRowThatIsCompleteWhenItsHeaderIsReadIsOneFrame() {
        server();
        byte[] row = message('D', LARGE, 5);

        channel.writeInbound(Unpooled.wrappedBuffer(row));

        assertEquals(List.of("frame " + row.length), kinds);
    }

    @Test
    void aRowUpToTheThresholdIsHeldUntilItIsWhole() {
        server();
        assertHeldWhole(message('D', FrameDecoder.STREAMING_THRESHOLD - 4, 6));
    }

    @Test
    void otherLargeServerMessagesAreHeldWhole() {
        server();
        assertHeldWhole(message('N', LARGE, 7));
    }

    @Test
    void aClientsCopyDataStreamsPastMaxMessageSizeWhileItsSessionCanPassItOn() {
        client();
        streamingAllowed = true;
        int length = MAX_MESSAGE_SIZE + 100;

        channel.writeInbound(header('d', length));
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[length - 4]));

        assertEquals(List.of("head 5", "last " + (length - 4)), kinds);
    }

    @Test
    void aClientsCopyDataIsHeldWholeWithinMaxMessageSizeWhileItsSessionCannotPassItOn() {
        client();
        assertHeldWhole(message('d', LARGE, 8));
        DecoderException e = assertThrows(DecoderException.class, () -> channel.writeInbound(header('d', MAX_MESSAGE_SIZE + 1)));
        assertInstanceOf(ProtocolException.class, e.getCause());
    }

    @Test
    void theSessionDecidesAfterActingOnTheMessagesBeforeIt() {
        client();
        // the Query that starts the COPY lets the copy data behind it stream, though both came in one read
        byte[] query = message('Q', 30, 9);
        byte[] copyData = message('d', LARGE, 10);

        channel.writeInbound(Unpooled.wrappedBuffer(query, Arrays.copyOf(copyData, 2000)));

        assertEquals(List.of("frame 35", "head 2000"), kinds);
    }

    @Test
    void aStreamedMessageOverWhatPostgresAcceptsIsRefusedAtItsHeader() {
        server();

        DecoderException e = assertThrows(DecoderException.class,
                () -> channel.writeInbound(header('D', FrameDecoder.MAX_STREAMED_MESSAGE_SIZE + 1)));

        assertEquals("message of type 'D' is " + (FrameDecoder.MAX_STREAMED_MESSAGE_SIZE + 1) + " bytes, over the limit of "
                + FrameDecoder.MAX_STREAMED_MESSAGE_SIZE, e.getCause().getMessage());
    }

    @Test
    void anyCutOfAStreamOfRowsGivesTheSameBytesInTheSameOrder() {
        server();
        Random random = new Random(42);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        for (int i = 0; i < 40; i++) {
            int length = random.nextBoolean() ? random.nextInt(100) : random.nextInt(4 * FrameDecoder.STREAMING_THRESHOLD);
            stream.writeBytes(message(random.nextInt(3) == 0 ? 'C' : 'D', length, i));
        }
        byte[] all = stream.toByteArray();

        for (int at = 0; at < all.length; ) {
            int size = Math.min(all.length - at, 1 + random.nextInt(100_000));
            channel.writeInbound(Unpooled.wrappedBuffer(all, at, size));
            at += size;
        }

        assertArrayEquals(all, bytes.toByteArray());
        assertEquals(40, kinds.stream().filter(kind -> kind.startsWith("frame") || kind.startsWith("head")).count());
        assertFalse(kinds.get(kinds.size() - 1).startsWith("head") || kinds.get(kinds.size() - 1).startsWith("chunk"));
    }

    @Test
    void aHeadSaysItIsPartial() {
        ByteBuf head = Unpooled.wrappedBuffer(message('D', 100, 11), 0, 50);
        assertTrue(Frames.isPartial(head));
        assertFalse(Frames.isPartial(Unpooled.wrappedBuffer(message('D', 100, 11))));
    }

    /** Given {@code message} in two pieces, the decoder hands it out once, whole. */
    private void assertHeldWhole(byte[] message) {
        channel.writeInbound(Unpooled.wrappedBuffer(message, 0, 1000));
        channel.writeInbound(Unpooled.wrappedBuffer(message, 1000, message.length - 1000));

        assertEquals(List.of("frame " + message.length), kinds);
    }

    private void server() {
        start(FrameDecoder.forServer(MAX_MESSAGE_SIZE));
    }

    private void client() {
        FrameDecoder decoder = FrameDecoder.forClient(MAX_MESSAGE_SIZE);
        start(decoder);
        // logged in, as a session makes it
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 8, 0, 3, 0, 0}));
        decoder.loggedIn();
        decoder.streamWhen(type -> streamingAllowed);
        kinds.clear();
        bytes.reset();
    }

    private void start(FrameDecoder decoder) {
        channel = new EmbeddedChannel(decoder, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                try {
                    if (msg instanceof MessageChunk chunk) {
                        kinds.add((chunk.last() ? "last " : "chunk ") + chunk.content().readableBytes());
                        bytes.writeBytes(ByteBufUtil.getBytes(chunk.content()));
                    } else {
                        ByteBuf frame = (ByteBuf) msg;
                        kinds.add((Frames.isPartial(frame) ? "head " : "frame ") + frame.readableBytes());
                        bytes.writeBytes(ByteBufUtil.getBytes(frame));
                        if (Frames.type(frame) == 'Q') {
                            streamingAllowed = true;
                        }
                    }
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }
        });
    }

    private static byte[] message(char type, int bodyLength, int seed) {
        byte[] message = new byte[5 + bodyLength];
        new Random(seed).nextBytes(message);
        message[0] = (byte) type;
        Unpooled.wrappedBuffer(message).setInt(1, 4 + bodyLength);
        return message;
    }

    private static ByteBuf header(char type, int length) {
        return Unpooled.buffer(5).writeByte(type).writeInt(length);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
