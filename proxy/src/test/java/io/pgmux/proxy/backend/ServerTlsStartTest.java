package io.pgmux.proxy.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.config.ChannelBindingMode;
import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.config.ServerSslMode;
import io.pgmux.proxy.config.ServerTlsConfig;
import io.pgmux.proxy.config.SslNegotiation;
import io.pgmux.proxy.tls.HandshakeCounts;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** The one-byte answer to pgmux's SSLRequest, and what each answer leads to. */
class ServerTlsStartTest {
    private static final ServerTlsConfig PREFER = new ServerTlsConfig(ServerSslMode.PREFER, null, null, null, null,
            SslNegotiation.POSTGRES, ChannelBindingMode.PREFER);

    /** What reaches the login behind it: whether it started, and a failure. */
    private static final class Login extends ChannelInboundHandlerAdapter {
        boolean started;
        ErrorResponse failure;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            started = true;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failure = ((LoginFailure) cause).error();
        }
    }

    private final Login login = new Login();
    private final HandshakeCounts<ServerTlsFailure> stats = new HandshakeCounts<>(ServerTlsFailure.class);

    private EmbeddedChannel connect(boolean required) throws Exception {
        return connect(required, login);
    }

    private EmbeddedChannel connect(boolean required, Login login) throws Exception {
        SslContext context = ServerTlsContexts.build(io.pgmux.proxy.config.PgmuxConfig.defaults()).values().iterator().next();
        ServerTarget target = new ServerTarget(new HostPort("127.0.0.1", 5432), "db", "u", null, Duration.ZERO, PREFER);
        EmbeddedChannel channel = new EmbeddedChannel();
        ServerConnection server = TestServerConnections.on(channel);
        channel.pipeline().addLast(new ServerTlsStart(server, target, context, required, false, stats), login);
        channel.pipeline().fireChannelActive();
        ByteBuf request = channel.readOutbound();
        assertEquals(8, request.readInt());
        assertEquals(80877103, request.readInt());
        request.release();
        return channel;
    }

    @Test
    void sStartsTheHandshakeBeforeTheLogin() throws Exception {
        EmbeddedChannel channel = connect(true);

        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'S'}));

        assertNotNull(channel.pipeline().get(SslHandler.class));
        assertFalse(login.started);
        ByteBuf clientHello = channel.readOutbound();
        assertEquals(0x16, clientHello.getByte(0)); // a TLS handshake record
        clientHello.release();
        channel.finishAndReleaseAll();
    }

    @Test
    void nUnderPreferStartsThePlaintextLogin() throws Exception {
        EmbeddedChannel channel = connect(false);

        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'N'}));

        assertTrue(login.started);
        assertNull(login.failure);
        assertNull(channel.pipeline().get(ServerTlsStart.class));
        assertTrue(channel.isOpen());
        channel.finishAndReleaseAll();
    }

    @Test
    void nWhereTlsIsRequiredFailsAsNotSupported() throws Exception {
        EmbeddedChannel channel = connect(true);

        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'N'}));

        assertFalse(login.started);
        assertEquals("08001", login.failure.sqlState());
        assertTrue(login.failure.message().contains("does not support TLS"), login.failure::message);
        assertFalse(channel.isOpen());
        assertEquals(1, stats.failedCounts().get("not_supported"));
    }

    @Test
    void anErrorOrAnyOtherByteIsAProtocolViolation() throws Exception {
        for (byte answer : new byte[] {'E', 'X'}) {
            Login fresh = new Login();
            EmbeddedChannel channel = connect(true, fresh);

            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {answer, 0, 0, 0, 4}).slice(0, 1));

            assertEquals("08P01", fresh.failure.sqlState());
            assertFalse(fresh.started);
            assertFalse(channel.isOpen());
        }
    }

    @Test
    void bytesBehindTheSAreRefusedBeforeAnyTlsStarts() throws Exception {
        EmbeddedChannel channel = connect(true);

        channel.writeInbound(Unpooled.wrappedBuffer("SE\0\0\0\4".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)));

        assertNull(channel.pipeline().get(SslHandler.class));
        assertEquals("08P01", login.failure.sqlState());
        assertTrue(login.failure.message().contains("5 more bytes after its answer"), login.failure::message);
        assertFalse(channel.isOpen());
    }
}
