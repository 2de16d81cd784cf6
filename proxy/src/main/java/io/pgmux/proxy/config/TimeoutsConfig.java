package io.pgmux.proxy.config;

import java.time.Duration;
import java.util.Objects;

/**
 * What pgmux does when a peer stops answering: a client that holds a server too long, or sits idle,
 * a server that may have died while idle, a network path that went dark. PgBouncer's names and
 * meanings; zero durations mean "off".
 *
 * @param queryTimeout           YAML {@code query_timeout}: a request the server has not answered in
 *                               this long is cancelled; if the cancel does not land, the server is
 *                               closed and the client gets 08P01
 * @param idleTransactionTimeout YAML {@code idle_transaction_timeout}: a client idle inside a
 *                               transaction this long is disconnected (25P03); its server is rolled back
 * @param clientIdleTimeout      YAML {@code client_idle_timeout}: a client idle outside a transaction
 *                               this long is disconnected (57P05)
 * @param transactionTimeout     YAML {@code transaction_timeout}: a client whose transaction has been
 *                               open this long (from its first request) is disconnected (25P04); its
 *                               server is rolled back, or cancelled and closed when it is busy
 * @param serverCheckDelay       YAML {@code server_check_delay}: a server idle longer than this is
 *                               checked before a client gets it; 0 = checked every time
 * @param serverCheckQuery       YAML {@code server_check_query}: the check; "" = a protocol-level Sync
 * @param keepalive              YAML {@code tcp_keepalive}, {@code tcp_keepidle}, {@code tcp_keepintvl},
 *                               {@code tcp_keepcnt}, {@code tcp_user_timeout}: on both sides' sockets
 */
public record TimeoutsConfig(Duration queryTimeout, Duration idleTransactionTimeout, Duration clientIdleTimeout,
                             Duration transactionTimeout, Duration serverCheckDelay, String serverCheckQuery, TcpKeepalive keepalive) {

    public TimeoutsConfig {
        Objects.requireNonNull(queryTimeout, "queryTimeout");
        Objects.requireNonNull(idleTransactionTimeout, "idleTransactionTimeout");
        Objects.requireNonNull(clientIdleTimeout, "clientIdleTimeout");
        Objects.requireNonNull(transactionTimeout, "transactionTimeout");
        Objects.requireNonNull(serverCheckDelay, "serverCheckDelay");
        Objects.requireNonNull(serverCheckQuery, "serverCheckQuery");
        Objects.requireNonNull(keepalive, "keepalive");
        if (queryTimeout.isNegative() || idleTransactionTimeout.isNegative() || clientIdleTimeout.isNegative()
                || transactionTimeout.isNegative() || serverCheckDelay.isNegative()) {
            throw new IllegalArgumentException("timeouts must not be negative");
        }
    }

    /** Whether any of the client timeouts is on (else their sweep has nothing to do). */
    public boolean anyClientTimeout() {
        return !queryTimeout.isZero() || !idleTransactionTimeout.isZero() || !clientIdleTimeout.isZero()
                || !transactionTimeout.isZero();
    }

    /** The defaults {@link ConfigKeys} declares. */
    public static TimeoutsConfig defaults() {
        return PgmuxConfig.defaults().timeouts();
    }
}
