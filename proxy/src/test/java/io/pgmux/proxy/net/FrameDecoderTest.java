package io.pgmux.proxy.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.protocol.message.StartupMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrameDecoderTest {
    private static final int MAX_MESSAGE_SIZE = 1 << 20;

    private final FrameDecoder decoder = FrameDecoder.forClient(MAX_MESSAGE_SIZE);
    /** Raises the limit on the first password message it sees, as a session does when a login succeeds. */
    private final List<Integer> lengthsSeen = new ArrayList<>();
    private final EmbeddedChannel channel = new EmbeddedChannel(decoder, new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            try {
                lengthsSeen.add(frame.readableBytes());
                if (frame.getByte(frame.readerIndex()) == Frontend.PASSWORD) {
                    decoder.loggedIn();
                }
            } finally {
                frame.release();
            }
        }
    });

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    @Test
    void beforeLoginAMessageOverTheLoginLimitIsRefusedAtItsHeader() {
        channel.writeInbound(startup());

        DecoderException e = assertThrows(DecoderException.class,
                () -> channel.writeInbound(header('p', FrameDecoder.LOGIN_MESSAGE_LIMIT + 1)));

        ProtocolException cause = assertInstanceOf(ProtocolException.class, e.getCause());
        assertEquals("message of type 'p' is 8193 bytes, over the limit of 8192 bytes before authentication",
                cause.getMessage());
    }

    @Test
    void aMessageOfExactlyTheLoginLimitIsAccepted() {
        channel.writeInbound(startup());

        channel.writeInbound(message('p', FrameDecoder.LOGIN_MESSAGE_LIMIT - 4));

        assertEquals(List.of(1 + FrameDecoder.LOGIN_MESSAGE_LIMIT), lengthsSeen.subList(1, lengthsSeen.size()));
    }

    @Test
    void afterLoginTheLimitIsMaxMessageSizeEvenForMessagesThatArrivedWithThePassword() {
        channel.writeInbound(startup());
        ByteBuf both = Unpooled.wrappedBuffer(message('p', 10), message('Q', 100_000));

        channel.writeInbound(both);

        assertEquals(List.of(15, 100_005), lengthsSeen.subList(1, lengthsSeen.size()));
        DecoderException e = assertThrows(DecoderException.class, () -> channel.writeInbound(header('Q', MAX_MESSAGE_SIZE + 1)));
        assertInstanceOf(ProtocolException.class, e.getCause());
    }

    @Test
    void afterAFramingErrorEverythingIsDroppedAndNothingIsReportedTwice() {
        channel.writeInbound(startup());
        assertThrows(DecoderException.class, () -> channel.writeInbound(header('p', 60_000_000)));
        int seen = lengthsSeen.size();

        channel.writeInbound(message('Q', 10)); // more input, even a valid message
        channel.finish(); // and the end of the connection, which decodes what is left

        assertEquals(seen, lengthsSeen.size(), "nothing after the error is handed out");
        assertNull(channel.readInbound());
        channel.checkException(); // no second error
        assertTrue(lengthsSeen.size() >= 1);
    }

    private static ByteBuf startup() {
        ByteBuf buf = Unpooled.buffer();
        new StartupMessage(Frontend.PROTOCOL_3_0, Map.of("user", "u")).encode(buf);
        return buf;
    }

    private static ByteBuf header(char type, int length) {
        return Unpooled.buffer(5).writeByte(type).writeInt(length);
    }

    private static ByteBuf message(char type, int bodyLength) {
        ByteBuf buf = Unpooled.buffer(5 + bodyLength).writeByte(type).writeInt(4 + bodyLength);
        buf.writeZero(bodyLength);
        return buf;
    }
}
