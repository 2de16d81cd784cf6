package io.pgmux.proxy.pool;

import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.config.HostPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Locale;

/**
 * What a pool knows of its failing server logins: the last error (until a login works) and the retry
 * schedule ({@link LoginRetry}), and what follows from them: whether clients are told the error
 * instead of waiting, and whether the pool may open a server now. See {@link Pool} for the policy.
 *
 * <p>Not thread-safe: its pool calls it only with the pool's lock held, as {@link ServerLists}; the
 * {@code log*} methods are called after the lock is released.
 */
final class LoginFailures {
    private static final Logger log = LoggerFactory.getLogger(LoginFailures.class);

    private final LoginRetry retry;
    private ErrorResponse lastError;

    LoginFailures(LoginRetry retry) {
        this.retry = retry;
    }

    /** The error of the last failed server login, if no login succeeded since; null otherwise. */
    ErrorResponse lastError() {
        return lastError;
    }

    /** A login failed with {@code error}: the retry round it starts, or null within a round's wait. */
    LoginRetry.Round onFailure(ErrorResponse error, Duration loginRetry) {
        lastError = error;
        return retry.onFailure(loginRetry);
    }

    /** A login worked: the failures it ends, if any. */
    LoginRetry.Recovery onSuccess() {
        lastError = null;
        return retry.onSuccess();
    }

    /** New credentials or a new server: they deserve an attempt now, not after the old one's failures. */
    void reset() {
        lastError = null;
        retry.reset();
    }

    /** Whether a client that finds no idle server is told the last error at once, rather than queued. */
    boolean turnsAwayNewClients(boolean hasLoggedIn) {
        return clientsAreTold(hasLoggedIn) && retry.isWaiting();
    }

    /** Whether no server may open now: none during the retry wait, and then one at a time. */
    boolean holdsBackConnects(int connecting) {
        return retry.isFailing() && (retry.isWaiting() || connecting > 0);
    }

    /**
     * Whether clients are told the last login error instead of waiting.
     * At once when Postgres refused the credentials (class 28: the password changed, the role
     * cannot log in), as PgBouncer does: the servers still logged in with the old ones say nothing
     * of the next login. Otherwise only while the pool has no logged-in server that could serve
     * them ({@code hasLoggedIn} false), and only once the failure is more than a blip: Postgres refused the login, or the
     * server could not be reached twice in a row (the first time may be a restart, which one wait covers).
     */
    boolean clientsAreTold(boolean hasLoggedIn) {
        if (lastError == null) {
            return false;
        }
        return refusesTheCredentials(lastError)
                || (!hasLoggedIn && (!mayBeARestart(lastError) || retry.round() > 1));
    }

    /** Postgres's answer to the credentials themselves (28P01 wrong password, 28000 not allowed to log in). */
    private static boolean refusesTheCredentials(ErrorResponse error) {
        return error.sqlState() != null && error.sqlState().startsWith("28");
    }

    /**
     * pgmux could not reach the server (its own 08006: refused, timed out, closed during login), or
     * Postgres said it is starting up or shutting down (57P03): both are what a restart looks like.
     * Any other error is Postgres's answer to the login itself, or a host name that does not resolve (08001).
     */
    private static boolean mayBeARestart(ErrorResponse error) {
        return SqlState.CONNECTION_FAILURE.equals(error.sqlState()) || SqlState.CANNOT_CONNECT_NOW.equals(error.sqlState());
    }

    /** One warning per retry round (see {@link LoginRetry}); the failures of a burst within a wait only at debug. */
    static void logFailure(PoolKey key, HostPort server, ErrorResponse error, LoginRetry.Round round, int told) {
        String toldText = told == 0 ? "" : "; waiting clients told: " + told;
        if (round == null) {
            log.debug("[{}] server login to {} failed during the retry wait: {}{}", key, server, error.message(), toldText);
        } else if (round.number() == 1) {
            log.warn("[{}] server login to {} failed: {} ({}); next attempt in {}{}", key, server,
                    error.message(), error.sqlState(), seconds(round.waitNanos()), toldText);
        } else {
            log.warn("[{}] server login to {} failed again: {} ({}); attempts failed since the last report: {}, "
                            + "next attempt in {}{}", key, server, error.message(), error.sqlState(),
                    round.failedAttempts(), seconds(round.waitNanos()), toldText);
        }
    }

    /** The first login that works after failures says so, with how many failed and for how long. */
    static void logRecovery(PoolKey key, HostPort server, LoginRetry.Recovery recovery) {
        if (recovery.failedAttempts() > 0) {
            log.info("[{}] server login to {} works again (attempts failed before: {}, over {})", key, server,
                    recovery.failedAttempts(), seconds(recovery.failingNanos()));
        }
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }
}
