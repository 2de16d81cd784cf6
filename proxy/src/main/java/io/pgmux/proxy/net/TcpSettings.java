package io.pgmux.proxy.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.pgmux.proxy.config.TcpKeepalive;

import java.time.Duration;

/**
 * Puts {@code tcp_keepalive}, {@code tcp_keepidle}, {@code tcp_keepintvl}, {@code tcp_keepcnt} and
 * {@code tcp_user_timeout} on a socket, client or server side, as it opens (a reload applies to the
 * sockets opened after it). The timings are Linux socket options that Netty offers on its epoll
 * channels only; on NIO the socket gets {@code SO_KEEPALIVE} alone and the kernel's timings.
 * A zero keeps the kernel's default.
 */
public final class TcpSettings {
    private TcpSettings() {
    }

    public static void apply(Channel channel, TcpKeepalive keepalive) {
        ChannelConfig config = channel.config();
        config.setOption(ChannelOption.SO_KEEPALIVE, keepalive.enabled());
        if (!(channel instanceof EpollSocketChannel)) {
            return;
        }
        if (keepalive.enabled()) {
            setIfPositive(config, EpollChannelOption.TCP_KEEPIDLE, seconds(keepalive.idle()));
            setIfPositive(config, EpollChannelOption.TCP_KEEPINTVL, seconds(keepalive.interval()));
            setIfPositive(config, EpollChannelOption.TCP_KEEPCNT, keepalive.count());
        }
        setIfPositive(config, EpollChannelOption.TCP_USER_TIMEOUT, (int) Math.min(Integer.MAX_VALUE,
                keepalive.userTimeout().toMillis()));
    }

    /** Whether the timings can be set here (else only keepalive itself is). */
    public static boolean timingsSupported(Transport transport) {
        return EpollSocketChannel.class.isAssignableFrom(transport.socketChannelClass());
    }

    private static int seconds(Duration duration) {
        return (int) Math.min(Integer.MAX_VALUE, duration.toSeconds());
    }

    private static void setIfPositive(ChannelConfig config, ChannelOption<Integer> option, int value) {
        if (value > 0) {
            config.setOption(option, value);
        }
    }
}
