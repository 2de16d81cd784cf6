package io.pgmux.proxy.prepared;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgmux.protocol.message.Close;
import io.pgmux.protocol.message.Target;

import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * The statements one server connection holds (or has been sent a Parse for), least recently used
 * first, bounded by {@code max_prepared_statements}. Touched only by the connection's holder.
 *
 * <p>Each statement sits in a {@link Slot} whose state follows the server's replies: a Parse in
 * flight is PENDING until ParseComplete (PRESENT) or an error (ABSENT). An evicted slot leaves the
 * map at once, and comes back if the server skipped its Close after an error.
 *
 * <p>Only its count is read by others (SHOW SERVERS, from any thread): the holder publishes it
 * whenever it changes, which is when a statement is prepared or dropped, not when one is used.
 */
public final class ServerStatements {
    /**
     * One statement's life on one server. It refers to the statement itself (and so to its text)
     * only while the Parse is in flight; after that the server name is all a server needs, so a
     * server's cache never keeps texts that no client holds any longer.
     */
    public static final class Slot {
        public enum State { PENDING, PRESENT, ABSENT }

        private final String serverName;
        private PreparedStatement pending;
        private State state = State.PENDING;

        private Slot(PreparedStatement statement) {
            this.serverName = statement.serverName();
            this.pending = statement;
        }

        public String serverName() {
            return serverName;
        }

        public State state() {
            return state;
        }

        /** The server accepted the Parse; returns the statement it was for (the slot forgets it). */
        public PreparedStatement markPresent() {
            PreparedStatement statement = pending;
            pending = null;
            state = State.PRESENT;
            return statement;
        }

        public void markAbsent() {
            pending = null;
            state = State.ABSENT;
        }

        /** The Close that removes it from the server. */
        public ByteBuf closeMessage(ByteBufAllocator alloc) {
            return new Close(Target.STATEMENT, serverName).encode(alloc);
        }
    }

    private final LinkedHashMap<String, Slot> byServerName = new LinkedHashMap<>(16, 0.75f, true);
    private volatile int publishedSize;

    /** The statement's slot, marking it used; null if the server does not have it. */
    public Slot find(PreparedStatement statement) {
        return byServerName.get(statement.serverName());
    }

    /** A Parse of {@code statement} goes to the server now. */
    public Slot addPending(PreparedStatement statement) {
        Slot slot = new Slot(statement);
        byServerName.put(statement.serverName(), slot);
        publishSize();
        return slot;
    }

    /** The least recently used slot other than {@code keep}'s, or null. */
    public Slot leastRecentlyUsedExcept(PreparedStatement keep) {
        for (Iterator<Slot> it = byServerName.values().iterator(); it.hasNext(); ) {
            Slot candidate = it.next();
            if (!candidate.serverName.equals(keep.serverName())) {
                return candidate;
            }
        }
        return null;
    }

    /** Forgets {@code slot} if it is still the statement's current one. */
    public void remove(Slot slot) {
        if (byServerName.remove(slot.serverName, slot)) {
            publishSize();
        }
    }

    /**
     * The server still holds an evicted statement (its Close was skipped): it counts again, in place
     * of any newer slot of the statement, whose Parse came after the Close and was skipped too.
     */
    public void restore(Slot slot) {
        byServerName.put(slot.serverName, slot);
        publishSize();
    }

    public int size() {
        return byServerName.size();
    }

    /** {@link #size()} as the holder last published it: readable from any thread. */
    public int publishedSize() {
        return publishedSize;
    }

    /** The server dropped all its statements ({@code DEALLOCATE ALL}, {@code DISCARD ALL}). */
    public void clear() {
        byServerName.values().forEach(Slot::markAbsent);
        byServerName.clear();
        publishSize();
    }

    private void publishSize() {
        publishedSize = byServerName.size();
    }
}
