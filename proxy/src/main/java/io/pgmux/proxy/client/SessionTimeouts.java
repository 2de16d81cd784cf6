package io.pgmux.proxy.client;

import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.client.SessionState.FailedUntilSync;
import io.pgmux.proxy.client.SessionState.Idle;
import io.pgmux.proxy.client.SessionState.Linked;
import io.pgmux.proxy.config.TimeoutsConfig;
import io.pgmux.proxy.config.Units;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * Which of the timeouts a session has run past: {@code client_idle_timeout} and
 * {@code idle_transaction_timeout} wait on the client, {@code query_timeout} on its server (which
 * {@link ServerHold#checkQueryTimeout} acts on itself: a cancel, then closing the server), and
 * {@code transaction_timeout} on either.
 */
final class SessionTimeouts {
    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);

    private SessionTimeouts() {
    }

    /**
     * The FATAL error that ends {@code session} for a timeout it ran past, or null while it is within
     * them. As in PgBouncer, {@code client_idle_timeout} is the client's login user's, the others are
     * those of the user its pool logs in to servers as (the same but for a database with a fixed user).
     */
    static ErrorResponse expired(ClientSession session, ServerHold hold, long nowNanos, UserTimeouts perUser) {
        SessionState state = session.state();
        if (state instanceof Idle || state instanceof FailedUntilSync) {
            Duration limit = perUser.of(session.user()).clientIdleTimeout();
            return !limit.isZero() && nowNanos - session.stateSinceNanos() > limit.toNanos() ? clientIdle(session, limit) : null;
        }
        ServerLink link = hold.currentLink();
        TimeoutsConfig timeouts = perUser.of(session.pool() != null ? session.pool().key().user() : session.user());
        if (link == null || hold.checkQueryTimeout(link, nowNanos, timeouts.queryTimeout())) {
            return null;
        }
        if (state instanceof Linked && transactionTooLong(link, nowNanos, timeouts.transactionTimeout())) {
            return transactionTimeout(session, link, timeouts.transactionTimeout());
        }
        if (!(state instanceof Linked) || link.isBusy()) {
            return null;
        }
        long idleNanos = nowNanos - Math.max(link.progressAtNanos(), session.lastClientReadNanos());
        Duration limit = link.inTransaction() ? timeouts.idleTransactionTimeout()
                : perUser.of(session.user()).clientIdleTimeout();
        if (limit.isZero() || idleNanos <= limit.toNanos()) {
            return null;
        }
        if (!link.inTransaction()) { // a session-mode client, holding its server while idle
            return clientIdle(session, limit);
        }
        log.info("c{} [{}] idle in a transaction longer than idle_transaction_timeout ({}); disconnecting it, "
                + "server {} is rolled back", session.id(), session.poolName(), Units.formatDuration(limit), link.server());
        return ErrorResponse.fatal(SqlState.IDLE_IN_TRANSACTION_SESSION_TIMEOUT, "idle transaction timeout: the client "
                + "was idle in a transaction longer than idle_transaction_timeout (" + Units.formatDuration(limit)
                + "); pgmux closed the connection and rolled the transaction back");
    }

    private static boolean transactionTooLong(ServerLink link, long nowNanos, Duration limit) {
        long since = link.transactionSinceNanos();
        return !limit.isZero() && since != ServerLink.NO_TRANSACTION && nowNanos - since > limit.toNanos();
    }

    /** The client is closed: its server is rolled back, or cancelled and closed if busy (see {@link ServerHold#abandon}). */
    private static ErrorResponse transactionTimeout(ClientSession session, ServerLink link, Duration limit) {
        log.info("c{} [{}] transaction open longer than transaction_timeout ({}); disconnecting it, server {} is {}",
                session.id(), session.poolName(), Units.formatDuration(limit), link.server(),
                link.isBusy() ? "cancelled and closed" : "rolled back");
        return ErrorResponse.fatal(SqlState.TRANSACTION_TIMEOUT, "transaction timeout: the client's transaction was open"
                + " longer than transaction_timeout (" + Units.formatDuration(limit) + "); pgmux closed the connection and"
                + " rolled the transaction back");
    }

    private static ErrorResponse clientIdle(ClientSession session, Duration limit) {
        log.info("c{} [{}] idle longer than client_idle_timeout ({}); disconnecting it", session.id(), session.poolName(),
                Units.formatDuration(limit));
        return ErrorResponse.fatal(SqlState.IDLE_SESSION_TIMEOUT, "client_idle_timeout: the client was idle longer than "
                + Units.formatDuration(limit) + "; pgmux closed the connection");
    }
}
