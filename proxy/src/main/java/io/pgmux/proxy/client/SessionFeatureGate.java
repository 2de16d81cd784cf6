package io.pgmux.proxy.client;

import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.config.SessionFeaturesPolicy;
import io.pgmux.proxy.pool.PinnedServers;
import io.pgmux.proxy.pool.Pool;
import io.pgmux.proxy.pool.PoolSettings;
import io.pgmux.proxy.sql.FeatureUse;
import io.pgmux.proxy.sql.SessionFeature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.StringJoiner;

/**
 * A client's session features under transaction pooling: whether its statements that take them
 * may go ({@code session_features: pin | reject}, {@code max_pinned_servers}), what it holds
 * ({@link SessionPins}), and whether it keeps its server for them. Reads the pool's settings at
 * each statement, so a reload applies at once. Nothing to do in session mode. Runs on the client's loop.
 */
final class SessionFeatureGate {
    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);

    private final ClientSession session;
    private final Pool pool;
    /**
     * Made at the first statement that takes or gives back a feature: most clients never send one,
     * and until then a client holds nothing (an idle client keeps no pin lists).
     */
    private SessionPins pins;

    SessionFeatureGate(ClientSession session, Pool pool) {
        this.session = session;
        this.pool = pool;
    }

    private SessionPins pins() {
        if (pins == null) {
            PinnedServers pinned = pool.pinnedServers();
            pins = new SessionPins(new SessionPins.Budget() {
                @Override
                public boolean tryPin() {
                    return pinned.tryPin();
                }

                @Override
                public void unpin() {
                    pinned.unpin();
                }
            });
        }
        return pins;
    }

    /** Statements are read for session features: in transaction mode only. */
    boolean tracks() {
        return pool.settings().mode().sharesServers();
    }

    boolean isPinned() {
        return pins != null && pins.isPinned();
    }

    /** Why the client is pinned ({@code listen,advisory_lock}), "" when it is not. */
    String reasons() {
        return pins != null ? pins.reasons() : "";
    }

    /**
     * The client sends a statement that does {@code uses} on server {@code serverId}: null when it
     * may go (what it takes is counted from now), or the error it gets instead.
     */
    ErrorResponse admit(List<FeatureUse> uses, long serverId) {
        if (uses.isEmpty()) {
            return null;
        }
        PoolSettings settings = pool.settings();
        if (settings.sessionFeatures() == SessionFeaturesPolicy.REJECT && uses.stream().anyMatch(FeatureUse::takes)) {
            return rejected(uses);
        }
        SessionPins clientPins = pins();
        boolean wasPinned = clientPins.isPinned();
        if (!clientPins.onSent(uses)) {
            log.info("c{} [{}] refused a statement that would pin server s{}: max_pinned_servers ({}) reached",
                    session.id(), session.poolName(), serverId, pool.pinnedServers().limit());
            return ErrorResponse.error(SqlState.TOO_MANY_CONNECTIONS, "too many pinned servers: " + taken(uses)
                    + " would keep this client's server after its transaction, and max_pinned_servers ("
                    + pool.pinnedServers().limit() + ") servers of this pool are already kept by other clients")
                    .withHint("Give back session state sooner (UNLISTEN, pg_advisory_unlock, DROP of temp tables, CLOSE, "
                            + "DISCARD ALL), raise max_pinned_servers, or use pool_mode: session for this database.");
        }
        if (!wasPinned && clientPins.isPinned()) {
            clientPins.features().forEach(pool.pinnedServers()::countPinBy);
            log.info("c{} [{}] pinned to server s{} by {}: it keeps the server after its transactions", session.id(),
                    session.poolName(), serverId, clientPins.reasons());
        }
        return null;
    }

    /** The server reported an error to the client. */
    void onError() {
        if (pins != null) {
            pins.onError();
        }
    }

    void onRollback() {
        if (pins != null) {
            pins.onRollback();
        }
    }

    /** A ReadyForQuery for the client: give-backs settle at 'I'. */
    void onReadyForQuery(TransactionStatus status) {
        if (pins != null && pins.onReadyForQuery(status)) {
            logReleased();
        }
    }

    /** Whether the server must be asked how many advisory locks the client holds ({@link InjectedQuery#advisoryLockCount}); answers once. */
    boolean takeAdvisoryCheck() {
        return pins != null && pins.takeAdvisoryCheck();
    }

    /** The answer: the client holds {@code count} advisory locks, or null when the server could not say (it stays pinned). */
    void onAdvisoryLocksCounted(Integer count) {
        if (count != null && pins().onAdvisoryLocksCounted(count)) {
            logReleased();
        }
    }

    private void logReleased() {
        log.info("c{} [{}] released its session features: back to transaction pooling", session.id(), session.poolName());
    }

    /** The client is gone: its server (reset, or closed) takes its features with it. */
    void onClientGone() {
        if (pins != null) {
            pins.clear();
        }
    }

    private static ErrorResponse rejected(List<FeatureUse> uses) {
        return ErrorResponse.error(SqlState.FEATURE_NOT_SUPPORTED, taken(uses) + " is not supported in transaction pooling "
                + "mode: it would stay on a server connection that other clients use next")
                .withHint("Set session_features: pin to keep the client's server while it holds it, "
                        + "or use pool_mode: session for this database.");
    }

    /** What the statement takes, in words: "LISTEN", "a session advisory lock"... */
    private static String taken(List<FeatureUse> uses) {
        StringJoiner taken = new StringJoiner(", ");
        uses.stream().filter(FeatureUse::takes).map(FeatureUse::feature).distinct().map(SessionFeatureGate::describe)
                .forEach(taken::add);
        return taken.toString();
    }

    private static String describe(SessionFeature feature) {
        return switch (feature) {
            case LISTEN -> "LISTEN";
            case ADVISORY_LOCK -> "a session advisory lock";
            case TEMP_OBJECT -> "a temporary table, view or sequence";
            case HOLD_CURSOR -> "a cursor WITH HOLD";
            case LOAD -> "LOAD";
        };
    }
}
