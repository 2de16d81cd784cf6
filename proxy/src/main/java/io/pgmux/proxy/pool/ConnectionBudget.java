package io.pgmux.proxy.pool;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The server connections several pools share: those of one database ({@code max_db_connections})
 * or of one user ({@code max_user_connections}). A pool takes a slot before it asks for a server
 * and gives it back when that server has closed (or failed to open), so the count is what Postgres
 * sees. A pool refused a slot is noted as waiting and woken (its {@link Pool#openServersIfDue()})
 * when a slot frees or the limit rises; a pool whose clients wait may also have an idle server of
 * another member closed to make room, as PgBouncer does.
 *
 * <p>Replicas that share a database's budget ({@code peers}) each get a <em>share</em> of it, which
 * then caps this replica's servers instead of the limit (0 = none at all). When the cap drops below
 * what is open, the excess is surrendered: idle servers are closed at once ({@link #shedExcess}),
 * busy ones when they are released ({@link #tryRetire}).
 *
 * <p>Its own lock guards it, taken inside a pool's lock and never held while a pool is called:
 * the pools to wake are returned to the caller, who wakes them with no lock held.
 */
final class ConnectionBudget {
    private final String name;
    /** 0 = no limit. */
    private int limit;
    private int used;
    /** This replica's share of {@code limit} among its peers; -1 = not shared (the limit caps). */
    private int share = -1;
    /** Slots whose servers are being closed to come down to the cap. */
    private int surrendered;
    /**
     * {@code used - surrendered > cap()}, kept by every change under the lock: {@link #tryRetire} runs
     * at each release of a server, on every event loop, and reads only this while nothing is over.
     */
    private volatile boolean overCap;
    private final Set<Pool> members = new LinkedHashSet<>();
    private final Set<Pool> waiting = new LinkedHashSet<>();

    /** {@code name} says what is limited, for messages: "database app", "user alice". */
    ConnectionBudget(String name, int limit) {
        this.name = name;
        this.limit = limit;
    }

    /** No limit, shared by nobody: for a pool made on its own (tests). */
    static ConnectionBudget unlimited(String name) {
        return new ConnectionBudget(name, 0);
    }

    String name() {
        return name;
    }

    synchronized int limit() {
        return limit;
    }

    /** Server connections of the members now open or being opened. */
    synchronized int used() {
        return used;
    }

    synchronized void join(Pool pool) {
        members.add(pool);
    }

    synchronized void leave(Pool pool) {
        members.remove(pool);
        waiting.remove(pool);
    }

    /** Whether no pool is a member and no slot is taken: the registry may forget it. */
    synchronized boolean isUnused() {
        return members.isEmpty() && used == 0;
    }

    /** Takes a slot for {@code pool}'s next server; if there is none, notes the pool as waiting and returns false. */
    synchronized boolean tryTake(Pool pool) {
        if (used >= cap()) {
            waiting.add(pool);
            return false;
        }
        used++;
        noteCap();
        return true;
    }

    /** A slot taken by {@link #tryTake} is free again; returns the pools to wake. */
    synchronized List<Pool> giveBack() {
        used--;
        if (surrendered > 0) {
            surrendered--;
        }
        noteCap();
        return takeWaiting();
    }

    /** Gives back a slot just taken, waking nobody (the caller holds a pool's lock). */
    synchronized void untake() {
        used--;
        noteCap();
    }

    /** A reload set a new limit; returns the pools to wake (those waiting, if it rose). */
    synchronized List<Pool> setLimit(int newLimit) {
        int before = cap();
        limit = newLimit;
        noteCap();
        return cap() > before ? takeWaiting() : List.of();
    }

    /** This replica's share of the limit now (-1 = not shared); returns the pools to wake (if it rose). */
    synchronized List<Pool> setShare(int newShare) {
        int before = cap();
        share = newShare;
        noteCap();
        return cap() > before ? takeWaiting() : List.of();
    }

    /** How many servers the members may have: the share, else the limit. */
    synchronized int cap() {
        if (share >= 0) {
            return share;
        }
        return limit == 0 ? Integer.MAX_VALUE : limit;
    }

    /**
     * Whether a server about to be kept (released, or idle) should be closed instead because more are
     * open than the cap allows; if so its slot counts as surrendered until it has closed.
     */
    boolean tryRetire() {
        if (!overCap) {
            return false; // a release that sees the cap drop only a moment late retires at the next one
        }
        synchronized (this) {
            if (used - surrendered > cap()) {
                surrendered++;
                noteCap();
                return true;
            }
            return false;
        }
    }

    private void noteCap() {
        overCap = used - surrendered > cap();
    }

    /** After the cap dropped: closes idle servers of the members until what stays open fits; call with no lock held. */
    void shedExcess() {
        for (Pool pool : othersThan(null)) {
            pool.closeIdleServersOverBudget();
        }
    }

    /** The members other than {@code pool}, as a copy to call with no lock held. */
    synchronized List<Pool> othersThan(Pool pool) {
        List<Pool> others = new ArrayList<>(members);
        others.remove(pool);
        return others;
    }

    private List<Pool> takeWaiting() {
        if (waiting.isEmpty()) {
            return List.of();
        }
        List<Pool> woken = new ArrayList<>(waiting);
        waiting.clear();
        return woken;
    }

    /** Makes room for {@code pool}'s waiting clients: closes the idle server of one other member, if one has any. */
    void closeAnIdleServerOfAnotherPool(Pool pool) {
        for (Pool other : othersThan(pool)) {
            if (other.closeOneIdleServer()) {
                return;
            }
        }
    }

    @Override
    public synchronized String toString() {
        return name + " (" + used + " of " + (limit == 0 ? "unlimited" : limit) + (share >= 0 ? ", share " + share : "") + ")";
    }
}
