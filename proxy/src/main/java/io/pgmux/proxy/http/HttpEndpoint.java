package io.pgmux.proxy.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.metrics.PrometheusText;
import io.pgmux.proxy.net.NoReadWhileClosing;
import io.pgmux.proxy.net.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The HTTP endpoint, on its own event loop (never the proxy's): {@code GET /metrics} (Prometheus
 * text format), {@code /healthz} (the process is alive and its event loop answers) and
 * {@code /readyz} (pgmux accepts clients; the body also reports whether each upstream accepts TCP
 * connections, which does not change the status). Anything else is 404; methods other than GET and
 * HEAD are 405.
 */
public final class HttpEndpoint {
    private static final Logger log = LoggerFactory.getLogger(HttpEndpoint.class);
    private static final int MAX_REQUEST_BYTES = 16 * 1024;

    /** What the endpoint serves; called on the endpoint's loop, so each must be quick or asynchronous. */
    public interface Routes {
        String metrics();

        CompletableFuture<Health> readiness();
    }

    private final Channel channel;

    private HttpEndpoint(Channel channel) {
        this.channel = channel;
    }

    public static HttpEndpoint start(HostPort listen, Transport transport, EventLoopGroup group, Routes routes)
            throws InterruptedException {
        Channel channel = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannelClass())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        NoReadWhileClosing.apply(ch);
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_REQUEST_BYTES),
                                new Handler(routes));
                    }
                })
                .bind(listen.host(), listen.port())
                .sync()
                .channel();
        return new HttpEndpoint(channel);
    }

    public HostPort boundAddress() {
        InetSocketAddress address = (InetSocketAddress) channel.localAddress();
        return new HostPort(address.getAddress().getHostAddress(), address.getPort());
    }

    public void close() {
        channel.close().awaitUninterruptibly();
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Routes routes;

        Handler(Routes routes) {
            this.routes = routes;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            boolean head = request.method().equals(HttpMethod.HEAD);
            if (!request.method().equals(HttpMethod.GET) && !head) {
                send(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", "use GET\n", keepAlive, head);
                return;
            }
            String path = new QueryStringDecoder(request.uri()).path();
            switch (path) {
                case "/metrics" -> respond(ctx, keepAlive, head, () -> routes.metrics(), PrometheusText.CONTENT_TYPE);
                case "/healthz" -> send(ctx, HttpResponseStatus.OK, "text/plain; charset=utf-8", "ok\n", keepAlive, head);
                case "/readyz" -> routes.readiness().whenComplete((health, error) -> {
                    if (error != null) {
                        log.warn("readiness check failed", error);
                        send(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "text/plain; charset=utf-8",
                                "not ready: " + error + "\n", keepAlive, head);
                    } else {
                        send(ctx, health.ok() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                                "text/plain; charset=utf-8", health.body(), keepAlive, head);
                    }
                });
                default -> send(ctx, HttpResponseStatus.NOT_FOUND, "text/plain; charset=utf-8",
                        "not found: try /metrics, /healthz or /readyz\n", keepAlive, head);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("http connection failed: {}", cause.toString());
            ctx.close();
        }

        private static void respond(ChannelHandlerContext ctx, boolean keepAlive, boolean head, Supplier<String> body,
                                    String contentType) {
            String text;
            try {
                text = body.get();
            } catch (RuntimeException e) {
                log.error("rendering an HTTP response failed", e);
                send(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8", "internal error\n",
                        keepAlive, head);
                return;
            }
            send(ctx, HttpResponseStatus.OK, contentType, text, keepAlive, head);
        }

        private static void send(ChannelHandlerContext ctx, HttpResponseStatus status, String contentType, String body,
                                 boolean keepAlive, boolean head) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ByteBuf content = head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
            if (keepAlive) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                ctx.writeAndFlush(response);
            } else {
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }
    }
}
