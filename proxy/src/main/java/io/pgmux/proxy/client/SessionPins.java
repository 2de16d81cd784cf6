package io.pgmux.proxy.client;

import io.pgmux.protocol.TransactionStatus;
import io.pgmux.proxy.sql.FeatureUse;
import io.pgmux.proxy.sql.SessionFeature;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;

/**
 * The session features a client holds on its server under transaction pooling (channels it
 * listens on, session advisory locks, temp objects, cursors WITH HOLD, a LOAD), which pin it to
 * that server: it keeps the server after its transactions until they are all given back.
 *
 * <p>The rule is conservative (pinning too long is safe, too short leaks):
 * <ul>
 *   <li>a feature counts as taken as soon as its statement is sent, whether it succeeds or not (a
 *       {@code pg_try_advisory_lock} that got nothing counts until an unlock, {@code
 *       pg_advisory_unlock_all()}, {@code DISCARD ALL} or the client leaves);</li>
 *   <li>what gives one back counts only once the server is idle again ({@code ReadyForQuery 'I'})
 *       with no error and no ROLLBACK since the statement was sent; otherwise it is dropped;</li>
 *   <li>taking and giving back are replayed in the order they were sent ({@code UNLISTEN *; LISTEN a}
 *       keeps {@code a}); {@code DISCARD ALL} gives back everything.</li>
 * </ul>
 * Advisory locks are counted by calls, one each. A call may take or give back more or less than
 * that (it runs once per row of a query, an unlock of a lock not held gives back nothing), so when
 * an unlock brings the count to zero the client stays pinned until the server has been asked
 * ({@link #takeAdvisoryCheck}, {@link #onAdvisoryLocksCounted}).
 *
 * <p>Going from no pin to one takes a place in the pool's {@link Budget} ({@code max_pinned_servers});
 * the place is given back when the last pin is. Runs on the client's loop, like the session.
 */
final class SessionPins {
    /** The pool's bound on pinned servers. */
    interface Budget {
        /** Takes a place for one more pinned server; false when the bound is reached. */
        boolean tryPin();

        /** Gives a place back. */
        void unpin();
    }

    /** A budget that never refuses (session mode, tests). */
    static final Budget UNBOUNDED = new Budget() {
        @Override
        public boolean tryPin() {
            return true;
        }

        @Override
        public void unpin() {
        }
    };

    private final Budget budget;
    /** As of the last time the server was idle, with the give-backs that counted. */
    private final Features settled = new Features();
    /** {@link #settled} with every take sent since: what the client may hold now. */
    private final Features held = new Features();
    /** Everything sent since the server was last idle, in order. */
    private final List<FeatureUse> sinceIdle = new ArrayList<>();
    /** An error or a ROLLBACK since the server was last idle: the give-backs sent since do not count. */
    private boolean failedSinceIdle;
    private boolean holdsBudgetPlace;
    /** An unlock brought the advisory lock count to zero: the server must say how many it holds. */
    private boolean advisoryCheckWanted;

    SessionPins(Budget budget) {
        this.budget = budget;
    }

    boolean isPinned() {
        return !held.isEmpty();
    }

    /** The features held. */
    List<SessionFeature> features() {
        return held.features();
    }

    /** The features held, by their shown names ({@code listen,advisory_lock}); "" when none. */
    String reasons() {
        return held.reasons();
    }

    /**
     * The client sends a statement that does {@code uses}. Returns false, recording nothing, when
     * it would pin the client's server and the pool's budget has no place left.
     */
    boolean onSent(List<FeatureUse> uses) {
        if (uses.isEmpty()) {
            return true;
        }
        boolean takes = uses.stream().anyMatch(FeatureUse::takes);
        if (takes && !holdsBudgetPlace) {
            if (!budget.tryPin()) {
                return false;
            }
            holdsBudgetPlace = true;
        }
        for (FeatureUse use : uses) {
            if (use.takes()) {
                held.apply(use);
            }
            sinceIdle.add(use);
        }
        return true;
    }

    /** The server reported an error for one of the client's statements. */
    void onError() {
        if (!sinceIdle.isEmpty()) {
            failedSinceIdle = true;
        }
    }

    /** A ROLLBACK (or ROLLBACK TO) completed: what it undid cannot be known here. */
    void onRollback() {
        onError();
    }

    /**
     * A ReadyForQuery for the client: at 'I' what was sent since the server was last idle settles.
     * Returns true when this gave back the client's last pin.
     */
    boolean onReadyForQuery(TransactionStatus status) {
        if (status != TransactionStatus.IDLE || sinceIdle.isEmpty()) {
            return false;
        }
        boolean wasPinned = isPinned();
        boolean unlockedToZero = false;
        for (FeatureUse use : sinceIdle) {
            if (use.takes() || !failedSinceIdle) {
                settled.apply(use);
                if (use.feature() == SessionFeature.ADVISORY_LOCK || use.action() == FeatureUse.Action.DISCARD_ALL) {
                    unlockedToZero = use.action() == FeatureUse.Action.GIVE_BACK && settled.advisoryLocks == 0;
                }
            }
        }
        if (unlockedToZero) {
            settled.advisoryLocks = 1; // until the server says
            advisoryCheckWanted = true;
        }
        sinceIdle.clear();
        failedSinceIdle = false;
        held.copyFrom(settled);
        return wasPinned && releaseBudgetIfUnpinned();
    }

    /** Whether the server must be asked how many advisory locks the client holds; answers once. */
    boolean takeAdvisoryCheck() {
        boolean wanted = advisoryCheckWanted;
        advisoryCheckWanted = false;
        return wanted;
    }

    /**
     * The server holds {@code count} advisory locks for the client (asked while nothing else was
     * under way). Returns true when this gave back the client's last pin.
     */
    boolean onAdvisoryLocksCounted(int count) {
        if (!sinceIdle.isEmpty()) {
            return false; // the client sent more since: its next idle ReadyForQuery settles
        }
        boolean wasPinned = isPinned();
        settled.advisoryLocks = count;
        held.advisoryLocks = count;
        return wasPinned && releaseBudgetIfUnpinned();
    }

    /** The client left, or its server is gone: whatever it held is gone with the server's session. */
    void clear() {
        sinceIdle.clear();
        failedSinceIdle = false;
        advisoryCheckWanted = false;
        settled.clear();
        held.clear();
        releaseBudgetIfUnpinned();
    }

    private boolean releaseBudgetIfUnpinned() {
        if (holdsBudgetPlace && !isPinned()) {
            holdsBudgetPlace = false;
            budget.unpin();
            return true;
        }
        return false;
    }

    /** What is held of each feature; the sets of names exist only once a name is held (most clients never hold one). */
    private static final class Features {
        private Set<String> channels = Set.of();
        private int advisoryLocks;
        private Set<String> tempObjects = Set.of();
        private Set<String> holdCursors = Set.of();
        private boolean loaded;

        void apply(FeatureUse use) {
            switch (use.action()) {
                case TAKE -> take(use.feature(), use.name());
                case GIVE_BACK -> giveBack(use.feature(), use.name());
                case GIVE_BACK_ALL -> giveBackAll(use.feature());
                case DISCARD_ALL -> clear();
            }
        }

        private void take(SessionFeature feature, String name) {
            switch (feature) {
                case LISTEN -> channels = with(channels, name);
                case ADVISORY_LOCK -> advisoryLocks++;
                case TEMP_OBJECT -> tempObjects = with(tempObjects, name);
                case HOLD_CURSOR -> holdCursors = with(holdCursors, name);
                case LOAD -> loaded = true;
            }
        }

        private void giveBack(SessionFeature feature, String name) {
            switch (feature) {
                case LISTEN -> without(channels, name);
                case ADVISORY_LOCK -> advisoryLocks = Math.max(0, advisoryLocks - 1);
                case TEMP_OBJECT -> without(tempObjects, name);
                case HOLD_CURSOR -> without(holdCursors, name);
                case LOAD -> {
                }
            }
        }

        private void giveBackAll(SessionFeature feature) {
            switch (feature) {
                case LISTEN -> channels = Set.of();
                case ADVISORY_LOCK -> advisoryLocks = 0;
                case TEMP_OBJECT -> tempObjects = Set.of();
                case HOLD_CURSOR -> holdCursors = Set.of();
                case LOAD -> {
                }
            }
        }

        void clear() {
            channels = Set.of();
            advisoryLocks = 0;
            tempObjects = Set.of();
            holdCursors = Set.of();
            loaded = false;
        }

        void copyFrom(Features other) {
            channels = copy(other.channels);
            advisoryLocks = other.advisoryLocks;
            tempObjects = copy(other.tempObjects);
            holdCursors = copy(other.holdCursors);
            loaded = other.loaded;
        }

        /** {@code names} with {@code name} added: the shared empty set is replaced by a set of this client's own. */
        private static Set<String> with(Set<String> names, String name) {
            Set<String> own = names.isEmpty() ? new LinkedHashSet<>() : names;
            own.add(name);
            return own;
        }

        private static void without(Set<String> names, String name) {
            if (!names.isEmpty()) {
                names.remove(name);
            }
        }

        private static Set<String> copy(Set<String> names) {
            return names.isEmpty() ? Set.of() : new LinkedHashSet<>(names);
        }

        boolean isEmpty() {
            return channels.isEmpty() && advisoryLocks == 0 && tempObjects.isEmpty() && holdCursors.isEmpty() && !loaded;
        }

        List<SessionFeature> features() {
            List<SessionFeature> features = new ArrayList<>(2);
            if (!channels.isEmpty()) {
                features.add(SessionFeature.LISTEN);
            }
            if (advisoryLocks > 0) {
                features.add(SessionFeature.ADVISORY_LOCK);
            }
            if (!tempObjects.isEmpty()) {
                features.add(SessionFeature.TEMP_OBJECT);
            }
            if (!holdCursors.isEmpty()) {
                features.add(SessionFeature.HOLD_CURSOR);
            }
            if (loaded) {
                features.add(SessionFeature.LOAD);
            }
            return features;
        }

        String reasons() {
            StringJoiner reasons = new StringJoiner(",");
            features().forEach(feature -> reasons.add(feature.shownName()));
            return reasons.toString();
        }
    }
}
