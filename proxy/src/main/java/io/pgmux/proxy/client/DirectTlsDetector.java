package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;

import java.util.List;

/**
 * The first handler of a client connection while {@code client_tls} is on: looks at the first byte.
 * A TLS handshake record (0x16) is Postgres 17's direct TLS: an SslHandler takes this handler's
 * place and gets the bytes. Anything else is a startup packet (whose length's first byte is never
 * 0x16): the handler removes itself and the bytes go on to the frame decoder.
 */
final class DirectTlsDetector extends ByteToMessageDecoder {
    /** TLS record type "handshake", the first byte of a ClientHello. */
    static final byte TLS_HANDSHAKE_RECORD = 0x16;

    private final ClientTls tls;

    DirectTlsDetector(ClientTls tls) {
        this.tls = tls;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!in.isReadable()) {
            return;
        }
        if (in.getByte(in.readerIndex()) != TLS_HANDSHAKE_RECORD) {
            ctx.pipeline().remove(this);
            return;
        }
        SslHandler handler = tls.startDirect();
        if (handler == null) {
            in.skipBytes(in.readableBytes());
            ctx.close();
            return;
        }
        ctx.pipeline().replace(this, ClientTls.HANDLER_NAME, handler);
    }
}
