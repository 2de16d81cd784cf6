package io.pgmux.proxy.config;

import java.time.Duration;
import java.util.Objects;

/**
 * TCP keepalive and user timeout, set on every client and server socket pgmux opens (PgBouncer's
 * {@code tcp_*} settings). Zero means "the operating system's default". The finer settings need
 * the native epoll transport; on NIO only {@code SO_KEEPALIVE} is set.
 *
 * @param enabled     YAML {@code tcp_keepalive}
 * @param idle        YAML {@code tcp_keepidle}: idle time before the first probe
 * @param interval    YAML {@code tcp_keepintvl}: time between probes
 * @param count       YAML {@code tcp_keepcnt}: unanswered probes before the connection is dropped
 * @param userTimeout YAML {@code tcp_user_timeout}: how long sent data may stay unacknowledged
 */
public record TcpKeepalive(boolean enabled, Duration idle, Duration interval, int count, Duration userTimeout) {
    /** The most {@code tcp_keepcnt} Linux accepts. */
    public static final int MAX_COUNT = 127;
    /** The longest {@code tcp_keepidle} and {@code tcp_keepintvl} Linux accepts. */
    public static final Duration MAX_KEEPALIVE_TIME = Duration.ofSeconds(32767);
    /** Keepalive on, every timing the kernel's (the defaults {@code ConfigKeys} declares). */
    public static final TcpKeepalive OS_DEFAULTS = new TcpKeepalive(true, Duration.ZERO, Duration.ZERO, 0, Duration.ZERO);

    public TcpKeepalive {
        Objects.requireNonNull(idle, "idle");
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(userTimeout, "userTimeout");
        if (count < 0 || count > MAX_COUNT) {
            throw new IllegalArgumentException("count must be 0.." + MAX_COUNT);
        }
    }
}
