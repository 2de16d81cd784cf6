package io.pgmux.proxy.peer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToIntFunction;

/**
 * This replica's share of each database's {@code max_db_connections}, decided from what its peers
 * publish ({@link PeerView}s) so that the replicas together never have more servers open than the
 * budget, also while one joins or leaves.
 *
 * <pre>
 *   live set changes ──► target = split over the live set (NOTHING if a live peer that holds a share
 *        │                   │                              does not count this replica)
 *        │                   │
 *        │  lower at once:   ▼   the share in force is the smallest of the splits in force
 *        │  splits in force += target
 *        │
 *        └─ raise: splits in force = [target] once every live peer publishes the same live set, uses
 *           no more than its share of it and is not waiting, and this replica is not waiting either
 *           (just started; or within the departure wait after a replica left)
 * </pre>
 *
 * A peer is live while it has answered within the detection window. After one leaves, nothing is
 * raised for the departure wait: longer than the window, so a replica that still runs but that the
 * others no longer see has seen itself left out (and gone to nothing) first, and than a drain. A
 * replica publishes that it waits, and its peers raise nothing meanwhile either: one that joins then
 * learns of the departure that way. Not thread-safe: one thread ticks it; {@link #shareOf},
 * {@link #live}, {@link #target} and {@link #lastView} may be read anywhere.
 */
public final class BudgetShares {
    private final int ownId;
    private final long detectionNanos;
    private long departureWaitNanos;
    /** Written by the ticking thread; read anywhere (SHOW PEERS). */
    private final Map<Integer, Answer> answers = new ConcurrentHashMap<>();
    private volatile SortedSet<Integer> live;
    private volatile BudgetSplit target = BudgetSplit.NOTHING;
    private volatile List<BudgetSplit> inForce = List.of(BudgetSplit.NOTHING);
    /** No share rises before this: a departure seen here, plus the wait (drain included). */
    private long waitUntil;
    private final long startedAt;
    private final long hearWaitNanos;

    private record Answer(PeerView view, long atNanos) {
    }

    /**
     * @param hearWaitNanos      at start, how long to listen before anything rises (longer than the
     *                           detection window, so that every live peer has answered)
     * @param departureWaitNanos after a departure, how long nothing rises (a drain included); also at
     *                           start when no peer answers, since replicas that are draining do not
     */
    public BudgetShares(int ownId, long detectionNanos, long hearWaitNanos, long departureWaitNanos, long nowNanos) {
        this.ownId = ownId;
        this.detectionNanos = detectionNanos;
        this.departureWaitNanos = departureWaitNanos;
        this.live = Collections.unmodifiableSortedSet(new TreeSet<>(Set.of(ownId)));
        this.hearWaitNanos = hearWaitNanos;
        this.startedAt = nowNanos;
        this.waitUntil = nowNanos;
    }

    /** From the next departure on, no share rises for this long after it. */
    public void departureWait(long nanos) {
        departureWaitNanos = nanos;
    }

    /** Peer {@code view.id()} answered at {@code nowNanos}. */
    public void onAnswer(PeerView view, long nowNanos) {
        if (view.id() != ownId && view.members().contains(view.id())) {
            answers.put(view.id(), new Answer(view, nowNanos));
        }
    }

    /**
     * Decides again, the peers now being {@code peerIds}; {@code limitOf} gives a database's
     * {@code max_db_connections} (0 = none). Returns whether the shares in force changed.
     */
    public boolean tick(long nowNanos, Set<Integer> peerIds, ToIntFunction<String> limitOf) {
        answers.keySet().retainAll(peerIds);
        SortedSet<Integer> nowLive = new TreeSet<>(Set.of(ownId));
        answers.forEach((id, answer) -> {
            if (nowNanos - answer.atNanos() <= detectionNanos) {
                nowLive.add(id);
            }
        });
        if (!nowLive.containsAll(live)) {
            waitUntil = Math.max(waitUntil, nowNanos + departureWaitNanos);
        }
        live = Collections.unmodifiableSortedSet(nowLive);
        boolean leftOut = live.stream().map(answers::get).filter(Objects::nonNull).map(Answer::view)
                .anyMatch(view -> view.holds() && !view.members().contains(ownId));
        target = leftOut ? BudgetSplit.NOTHING : new BudgetSplit(live);
        List<BudgetSplit> before = inForce;
        List<BudgetSplit> next = new ArrayList<>(before);
        if (!next.contains(target)) {
            next.add(target);
        }
        if (next.size() > 1 && mayRaise(nowNanos, limitOf)) {
            next = List.of(target);
        }
        inForce = List.copyOf(next);
        return !inForce.equals(before);
    }

    private boolean mayRaise(long nowNanos, ToIntFunction<String> limitOf) {
        if (target == BudgetSplit.NOTHING || waiting(nowNanos)) {
            return false;
        }
        for (int id : live) {
            if (id == ownId) {
                continue;
            }
            PeerView view = answers.get(id).view();
            if (!view.members().equals(target.members()) || view.waiting()) {
                return false;
            }
            for (Map.Entry<String, Integer> used : view.used().entrySet()) {
                int limit = limitOf.applyAsInt(used.getKey());
                if (limit > 0 && used.getValue() > target.shareOf(id, limit)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** This replica's share of a database budget of {@code limit} now: the smallest the splits in force give. */
    public int shareOf(int limit) {
        int share = Integer.MAX_VALUE;
        for (BudgetSplit split : inForce) {
            share = Math.min(share, split.shareOf(ownId, limit));
        }
        return share;
    }

    /**
     * Whether no share may rise here yet: just started (listening), alone since the start for less
     * than the departure wait (peers that drain do not answer), or within the wait after a departure.
     * Published, so that a replica that joins meanwhile does not take what a draining one holds.
     */
    private boolean waiting(long nowNanos) {
        long sinceStart = nowNanos - startedAt;
        return sinceStart < hearWaitNanos
                || (live.size() == 1 && sinceStart < departureWaitNanos)
                || nowNanos - waitUntil < 0;
    }

    /** The replicas this one sees live, itself among them: what it publishes. */
    public SortedSet<Integer> live() {
        return live;
    }

    /** Whether this replica has any share now (it publishes so: a replica with none costs its peers nothing). */
    public boolean holds() {
        return !inForce.contains(BudgetSplit.NOTHING);
    }

    /** The view this replica publishes at {@code nowNanos}, with {@code used} servers per database. */
    public PeerView view(long nowNanos, Map<String, Integer> used) {
        return new PeerView(ownId, live, holds(), waiting(nowNanos), used);
    }

    /** The splits whose smallest share is in force, for SHOW PEERS and the logs. */
    public List<BudgetSplit> inForce() {
        return inForce;
    }

    /** The last view peer {@code id} answered with; null if none. */
    public PeerView lastView(int id) {
        Answer answer = answers.get(id);
        return answer == null ? null : answer.view();
    }

    public BudgetSplit target() {
        return target;
    }
}
