package io.pgmux.proxy.pool;

import io.netty.util.concurrent.EventExecutor;
import io.pgmux.proxy.backend.ServerConnection;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The server connections of one pool, by {@link ServerPhase}, as PgBouncer keeps them: every
 * listed server with its phase and the generation it was opened in, the idle list (most recently
 * released last), a count per phase, and the slots reserved for servers the opener has not yet
 * reported. {@link #move} is the one place a server changes phase, and with it the list and the
 * counts; it refuses what {@link ServerPhase#mayBecome} does not allow.
 *
 * <p>Not thread-safe: its pool calls it only with the pool's lock held. Moving a server between
 * phases allocates nothing but the entry of a server that starts to log in.
 */
final class ServerLists {
    private final String poolName;
    /** Every server in a phase other than UNLISTED, in the order they were opened. */
    private final Map<ServerConnection, Entry> servers = new LinkedHashMap<>();
    /**
     * The servers in phase IDLE, the most recently released last: a list, not a deque, so that the
     * search in {@link #idleServerFor} is an index loop, which allocates no iterator.
     */
    private final List<ServerConnection> idle = new ArrayList<>();
    /** How many listed servers are in each phase, by the phase's ordinal. */
    private final int[] inPhase = new int[ServerPhase.values().length];
    /** Servers asked of the opener that it has not yet reported opening (or failing to). */
    private int reserved;
    /** Bumped by RECONNECT and by a reload that changed the upstream: older servers retire when released. */
    private int generation;

    private static final class Entry {
        final int generation;
        ServerPhase phase = ServerPhase.UNLISTED;

        Entry(int generation) {
            this.generation = generation;
        }
    }

    ServerLists(String poolName) {
        this.poolName = poolName;
    }

    /**
     * Moves {@code server} from {@code from} to {@code to}. A server that is not in {@code from},
     * or a move the phases do not allow, is a bug: IllegalStateException, and nothing changes.
     * Moving out of UNLISTED uses up a reserved slot and records the current generation.
     */
    void move(ServerConnection server, ServerPhase from, ServerPhase to) {
        Entry entry = servers.get(server);
        ServerPhase actual = entry == null ? ServerPhase.UNLISTED : entry.phase;
        if (actual != from || !from.mayBecome(to)) {
            throw new IllegalStateException("[" + poolName + "] server " + server + " cannot move from " + from + " to " + to
                    + ": it is " + actual);
        }
        if (from == ServerPhase.UNLISTED) {
            reserved--;
            entry = new Entry(generation);
            servers.put(server, entry);
        } else {
            inPhase[from.ordinal()]--;
            if (from == ServerPhase.IDLE) {
                idle.remove(server);
            }
        }
        entry.phase = to;
        if (to == ServerPhase.UNLISTED) {
            servers.remove(server);
            return;
        }
        inPhase[to.ordinal()]++;
        if (to == ServerPhase.IDLE) {
            server.assignTo(null);
            server.markIdle();
            idle.add(server);
        }
    }

    /** The phase of {@code server}: UNLISTED if this pool does not list it. */
    ServerPhase phaseOf(ServerConnection server) {
        Entry entry = servers.get(server);
        return entry == null ? ServerPhase.UNLISTED : entry.phase;
    }

    /** Whether {@code server} is listed and was opened in the current generation. */
    boolean isCurrent(ServerConnection server) {
        Entry entry = servers.get(server);
        return entry != null && entry.generation == generation;
    }

    /** The opener is asked for one more server: it counts from now on. */
    void reserve() {
        reserved++;
    }

    /** A reserved server failed before it opened (its host did not resolve): its slot is free again. */
    void unreserve() {
        reserved--;
    }

    int count(ServerPhase phase) {
        return inPhase[phase.ordinal()];
    }

    /** Servers that count against pool_size: reserved, logging in, idle or active. */
    int size() {
        return reserved + count(ServerPhase.LOGIN) + count(ServerPhase.IDLE) + count(ServerPhase.ACTIVE);
    }

    /** Servers reserved or logging in. */
    int connecting() {
        return reserved + count(ServerPhase.LOGIN);
    }

    /** Nothing reserved and no server listed, closing ones included. */
    boolean isEmpty() {
        return reserved == 0 && servers.isEmpty();
    }

    /**
     * Whether a server of the current generation is logged in (idle or active): one that can serve
     * the pool's waiters, now or when released. Looks at every listed server.
     */
    boolean hasLoggedIn() {
        for (Entry entry : servers.values()) {
            if ((entry.phase == ServerPhase.IDLE || entry.phase == ServerPhase.ACTIVE) && entry.generation == generation) {
                return true;
            }
        }
        return false;
    }

    /** An idle server on {@code loop} if there is one, else the most recently released; null if none. It stays idle. */
    ServerConnection idleServerFor(EventExecutor loop) {
        for (int i = idle.size() - 1; i >= 0; i--) {
            ServerConnection server = idle.get(i);
            if (server.eventLoop() == loop) {
                return server;
            }
        }
        return idle.isEmpty() ? null : idle.get(idle.size() - 1);
    }

    /** The idle servers, released longest ago first, as a copy the caller may move them from. */
    List<ServerConnection> idleOldestFirst() {
        return new ArrayList<>(idle);
    }

    /** The idle server released longest ago; null if none. */
    ServerConnection oldestIdle() {
        return idle.isEmpty() ? null : idle.get(0);
    }

    int generation() {
        return generation;
    }

    /** Starts a new generation: the servers listed now are retired when next released. */
    void newGeneration() {
        generation++;
    }

    /** Whether a server opened before {@code target} is still open and not yet retired. */
    boolean oldServersLeft(int target) {
        for (Entry entry : servers.values()) {
            if (entry.phase != ServerPhase.CLOSING && entry.generation < target) {
                return true;
            }
        }
        return false;
    }

    /** Every server logging in, idle or active (closing ones are not listed), with its phase. */
    List<ServerState> states() {
        List<ServerState> states = new ArrayList<>(servers.size());
        servers.forEach((server, entry) -> {
            if (entry.phase != ServerPhase.CLOSING) {
                states.add(new ServerState(server, entry.phase, entry.generation != generation));
            }
        });
        return states;
    }
}
