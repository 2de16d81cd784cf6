package io.pgmux.proxy.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringSocketChannel;
import io.pgmux.proxy.config.TcpKeepalive;

import java.time.Duration;

/**
 * Puts {@code tcp_keepalive}, {@code tcp_keepidle}, {@code tcp_keepintvl}, {@code tcp_keepcnt} and
 * {@code tcp_user_timeout} on a socket, client or server side, as it opens (a reload applies to the
 * sockets opened after it). The timings are Linux socket options that Netty offers on its epoll
 * and io_uring channels only (each under its own option names); on NIO the socket gets
 * {@code SO_KEEPALIVE} alone and the kernel's timings.
 * A zero keeps the kernel's default.
 */
public final class TcpSettings {
    private TcpSettings() {
    }

    public static void apply(Channel channel, TcpKeepalive keepalive) {
        ChannelConfig config = channel.config();
        config.setOption(ChannelOption.SO_KEEPALIVE, keepalive.enabled());
        if (channel instanceof EpollSocketChannel) {
            applyTimings(config, keepalive, EpollChannelOption.TCP_KEEPIDLE, EpollChannelOption.TCP_KEEPINTVL,
                    EpollChannelOption.TCP_KEEPCNT, EpollChannelOption.TCP_USER_TIMEOUT);
        } else if (channel instanceof IoUringSocketChannel) {
            applyTimings(config, keepalive, IoUringChannelOption.TCP_KEEPIDLE, IoUringChannelOption.TCP_KEEPINTVL,
                    IoUringChannelOption.TCP_KEEPCNT, IoUringChannelOption.TCP_USER_TIMEOUT);
        }
    }

    private static void applyTimings(ChannelConfig config, TcpKeepalive keepalive, ChannelOption<Integer> idle,
                                     ChannelOption<Integer> interval, ChannelOption<Integer> count,
                                     ChannelOption<Integer> userTimeout) {
        if (keepalive.enabled()) {
            setIfPositive(config, idle, seconds(keepalive.idle()));
            setIfPositive(config, interval, seconds(keepalive.interval()));
            setIfPositive(config, count, keepalive.count());
        }
        setIfPositive(config, userTimeout, (int) Math.min(Integer.MAX_VALUE, keepalive.userTimeout().toMillis()));
    }

    /** Whether the timings can be set here (else only keepalive itself is). */
    public static boolean timingsSupported(Transport transport) {
        return EpollSocketChannel.class.isAssignableFrom(transport.socketChannelClass())
                || IoUringSocketChannel.class.isAssignableFrom(transport.socketChannelClass());
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
