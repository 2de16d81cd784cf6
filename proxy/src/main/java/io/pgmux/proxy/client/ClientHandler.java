package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.proxy.net.MessageChunk;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/** The client connection's I/O: turns Netty events into {@link ClientSession} events, nothing more. */
public final class ClientHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ClientHandler.class);

    private final ClientSession session;

    public ClientHandler(ClientSession session) {
        this.session = session;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        session.onConnected();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf frame) {
            session.onClientFrame(frame);
        } else {
            session.onClientChunk((MessageChunk) msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        session.onClientReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        session.onClientWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof SslHandshakeCompletionEvent handshake) {
            session.onTlsHandshake(ctx, handshake);
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        session.onClientClosed();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Decoders wrap what they throw; what happened is the cause.
        Throwable reason = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (reason instanceof ProtocolException protocolError) {
            session.onProtocolError(protocolError);
        } else if (reason instanceof IOException) {
            log.debug("{} connection error: {}", session, reason.toString());
            ctx.close();
        } else if (reason instanceof OutOfMemoryError outOfMemory) {
            // Direct memory (a heap OutOfMemoryError ends the process: -XX:+ExitOnOutOfMemoryError)
            session.onOutOfMemory(outOfMemory);
        } else if (reason instanceof RuntimeException unexpected) {
            session.onUnexpectedFailure(unexpected);
        } else {
            log.error("{} unexpected failure; closing the client", session, reason);
            ctx.close();
        }
    }

}
