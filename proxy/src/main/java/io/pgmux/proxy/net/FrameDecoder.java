package io.pgmux.proxy.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;

import java.util.List;

/**
 * Cuts the byte stream into frames: retained slices of the read buffer, one whole message each,
 * never copied. A client connection starts in the startup phase (packets without a type byte) and
 * leaves it after its StartupMessage; SSLRequest and GSSENCRequest keep it there, since the next
 * packet is another startup packet. A server connection is typed from the first byte.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    private final int maxMessageSize;
    private boolean startupPhase;

    private FrameDecoder(int maxMessageSize, boolean startupPhase) {
        this.maxMessageSize = maxMessageSize;
        this.startupPhase = startupPhase;
    }

    public static FrameDecoder forClient(int maxMessageSize) {
        return new FrameDecoder(maxMessageSize, true);
    }

    public static FrameDecoder forServer(int maxMessageSize) {
        return new FrameDecoder(maxMessageSize, false);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (true) {
            ByteBuf frame = startupPhase ? Frames.readStartupPacket(in) : Frames.readFrame(in, maxMessageSize);
            if (frame == null) {
                return;
            }
            if (startupPhase) {
                int code = Frames.startupCode(frame);
                startupPhase = code == Frontend.SSL_REQUEST_CODE || code == Frontend.GSSENC_REQUEST_CODE;
            }
            out.add(frame);
        }
    }
}
