package io.pgmux.proxy.pool;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;

/**
 * Clients queued in a pool, in the order they came, each with since when it waits: what the queue for
 * a shared server ({@link WaitQueue}) and the queue of replication clients ({@link DedicatedServers})
 * have in common. Both are emptied on close and swept for {@code query_wait_timeout}, the oldest first.
 *
 * <p>Not thread-safe: its pool calls it only with the pool's lock held, as {@link ServerLists}.
 *
 * @param <E> a queued client, with whatever its queue keeps of it besides
 */
class WaitLine<E extends WaitLine.Place> implements Iterable<E> {
    /** One queued client: who waits, and since when. */
    interface Place {
        Waiter waiter();

        long sinceNanos();
    }

    private final ArrayDeque<E> places = new ArrayDeque<>();

    void addLast(E place) {
        places.addLast(place);
    }

    /** Takes {@code waiter} out of the queue; false if it was not in it. */
    boolean remove(Waiter waiter) {
        return places.removeIf(place -> place.waiter() == waiter);
    }

    boolean isEmpty() {
        return places.isEmpty();
    }

    int size() {
        return places.size();
    }

    /** The first queued; null if none waits. */
    E head() {
        return places.peekFirst();
    }

    /** Takes the first queued out; null if none waits. */
    E pollHead() {
        return places.pollFirst();
    }

    /** From the first queued to the last; its {@code remove} takes one out. */
    @Override
    public Iterator<E> iterator() {
        return places.iterator();
    }

    /** Empties the queue into {@code into}, in order. */
    void takeAll(List<Waiter> into) {
        places.forEach(place -> into.add(place.waiter()));
        places.clear();
    }

    /** Takes the clients queued longer than {@code timeoutNanos} into {@code into}, the oldest first. */
    void takeExpired(long nowNanos, long timeoutNanos, List<Waiter> into) {
        while (!places.isEmpty() && nowNanos - places.peekFirst().sinceNanos() > timeoutNanos) {
            into.add(places.pollFirst().waiter());
        }
    }
}
