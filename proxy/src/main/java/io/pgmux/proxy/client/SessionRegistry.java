package io.pgmux.proxy.client;

import io.netty.util.concurrent.EventExecutor;
import io.pgmux.proxy.auth.FailedLogins;
import io.pgmux.proxy.peer.PeerCancelKeys;

import io.pgmux.proxy.tls.ClientTlsFailure;
import io.pgmux.proxy.tls.HandshakeCounts;

import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * All client sessions, and the counts behind the connection limits: sessions still logging in
 * (against {@code max_pending_logins}) and sessions that have authenticated (against
 * {@code max_client_connections}, plus {@code admin_reserved_connections} for the console); and the
 * cancel keys pgmux handed out, so a CancelRequest finds its session (and nobody else's).
 *
 * <p>A session is in at most one of the two counts. Each count is an atomic counter that is only
 * raised after checking the limit and lowered once, when the session leaves that count: sessions on
 * different loops can log in at the same moment without any of them going over.
 */
public final class SessionRegistry {
    private static final long REFUSAL_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final SecureRandom random = new SecureRandom();
    private final ConcurrentHashMap<Integer, ClientSession> byProcessId = new ConcurrentHashMap<>();
    private final ConcurrentHashMap.KeySetView<ClientSession, Boolean> sessions = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connected = new AtomicInteger();
    private final AtomicInteger loggingInCount = new AtomicInteger();
    private final AtomicInteger loggedInCount = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private final FailedLogins failedLogins = new FailedLogins();
    private final AtomicLong lastRefusalLogNanos = new AtomicLong(System.nanoTime() - REFUSAL_LOG_INTERVAL_NANOS);
    private final HandshakeCounts<ClientTlsFailure> tlsHandshakes = new HandshakeCounts<>(ClientTlsFailure.class);
    private final ClientsPerName perDatabase = new ClientsPerName();
    private final ClientsPerName perUser = new ClientsPerName();

    /**
     * Which count a session is in, kept in the session ({@link ClientSession#counted}) rather than
     * in a set per count here: an idle client costs no map entry for it. Only the session's loop
     * reads and changes it (its connect, login and disconnect all run there).
     */
    enum Counted { NOWHERE, LOGGING_IN, LOGGED_IN }

    /** Which per-name limit refused a client (see {@link #countByName}). */
    enum NameLimit { NONE, MAX_DB_CLIENT_CONNECTIONS, MAX_USER_CLIENT_CONNECTIONS }
    /** This replica's {@code peer_id} in the keys it hands out; 0 = a lone pgmux's random keys. */
    private final int peerId;

    public SessionRegistry() {
        this(0);
    }

    /** Sessions whose cancel keys name replica {@code peerId} (see {@link PeerCancelKeys}); 0 = not peered. */
    public SessionRegistry(int peerId) {
        this.peerId = peerId;
    }

    /**
     * Counts a new connection, and counts it as logging in if fewer than {@code maxPendingLogins}
     * are; false if that many are (the session is listed until it closes, but counted nowhere).
     */
    boolean onConnected(ClientSession session, int maxPendingLogins) {
        sessions.add(session);
        connected.incrementAndGet();
        if (!raise(loggingInCount, maxPendingLogins)) {
            refused.incrementAndGet();
            return false;
        }
        session.counted(Counted.LOGGING_IN);
        return true;
    }

    /**
     * The session is a CancelRequest's connection, open until Postgres has answered the cancel: it
     * no longer counts as logging in, so cancels cannot hold {@code max_pending_logins} for others.
     */
    void onCancelRequest(ClientSession session) {
        if (session.counted() == Counted.LOGGING_IN) {
            loggingInCount.decrementAndGet();
        }
        session.counted(Counted.NOWHERE);
    }

    /**
     * The session has authenticated: it stops counting as logging in and counts as a client, if
     * fewer than {@code limit} clients have logged in; false if that many have (it is counted
     * nowhere then, and is about to be closed).
     */
    boolean onLoggedIn(ClientSession session, int limit) {
        if (session.counted() == Counted.LOGGING_IN) {
            loggingInCount.decrementAndGet();
        }
        session.counted(Counted.NOWHERE);
        if (!raise(loggedInCount, limit)) {
            refused.incrementAndGet();
            return false;
        }
        session.counted(Counted.LOGGED_IN);
        return true;
    }

    /**
     * A logged-in client (the console's too) counts under its database and its user, if fewer than
     * {@code maxDb} (0 = no limit) are counted under that database and fewer than {@code maxUser}
     * under that user; otherwise it is counted under neither, and the limit that refused it is returned.
     * It is uncounted at disconnect under the names its login keeps ({@link ClientSession#countedByName}).
     */
    NameLimit countByName(ClientSession session, String database, int maxDb, String user, int maxUser) {
        if (!perDatabase.tryAdd(database, maxDb)) {
            refused.incrementAndGet();
            return NameLimit.MAX_DB_CLIENT_CONNECTIONS;
        }
        if (!perUser.tryAdd(user, maxUser)) {
            perDatabase.remove(database);
            refused.incrementAndGet();
            return NameLimit.MAX_USER_CLIENT_CONNECTIONS;
        }
        session.countedByName(true);
        return NameLimit.NONE;
    }

    /** Logged-in clients counted under database {@code name} now (SHOW DATABASES' current_client_connections). */
    public int clientsOfDatabase(String name) {
        return perDatabase.count(name);
    }

    /** Logged-in clients counted under user {@code name} now (SHOW USERS' current_client_connections). */
    public int clientsOfUser(String name) {
        return perUser.count(name);
    }

    /** The users at least one logged-in client is counted under now. */
    public Set<String> usersWithClients() {
        return perUser.names();
    }

    void onDisconnected(ClientSession session) {
        if (session.countedByName()) {
            session.countedByName(false);
            perDatabase.remove(session.database());
            perUser.remove(session.user());
        }
        if (sessions.remove(session)) {
            connected.decrementAndGet();
        }
        switch (session.counted()) {
            case LOGGING_IN -> loggingInCount.decrementAndGet();
            case LOGGED_IN -> loggedInCount.decrementAndGet();
            case NOWHERE -> { }
        }
        session.counted(Counted.NOWHERE);
        byProcessId.remove(session.processId(), session);
    }

    /** Adds one to {@code count} unless it is at {@code limit} already. */
    private static boolean raise(AtomicInteger count, int limit) {
        while (true) {
            int now = count.get();
            if (now >= limit) {
                return false;
            }
            if (count.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    /** The TLS handshakes of client connections, for /metrics. */
    public HandshakeCounts<ClientTlsFailure> tlsHandshakes() {
        return tlsHandshakes;
    }

    /**
     * True at most once a second: a flood of refused connections gives one log line a second
     * (with {@link #refusedCount()}), not one per connection.
     */
    boolean shouldLogRefusal() {
        long now = System.nanoTime();
        long last = lastRefusalLogNanos.get();
        return now - last >= REFUSAL_LOG_INTERVAL_NANOS && lastRefusalLogNanos.compareAndSet(last, now);
    }

    /** Connections refused by a connection limit since pgmux started. */
    /** Failed logins by client address (they are slowed down), and their count. */
    public FailedLogins failedLogins() {
        return failedLogins;
    }

    public long refusedCount() {
        return refused.get();
    }

    /**
     * Gives the session a process id no other live session has, and a random secret. A peered
     * replica's process ids name it and leave {@link PeerCancelKeys#MAX_LOCAL} numbers for its
     * sessions; when all are taken (more sessions than max_client_connections allows by default),
     * the session gets a random one that the others do not have and its key is not routed by peers.
     */
    void assignCancelKey(ClientSession session) {
        if (peerId != 0) {
            int start = random.nextInt(PeerCancelKeys.MAX_LOCAL);
            for (int i = 0; i < PeerCancelKeys.MAX_LOCAL; i++) {
                int processId = PeerCancelKeys.processId(peerId, (start + i) % PeerCancelKeys.MAX_LOCAL + 1);
                if (byProcessId.putIfAbsent(processId, session) == null) {
                    session.setCancelKey(processId, random.nextInt());
                    return;
                }
            }
        }
        while (true) {
            int processId = random.nextInt(Integer.MAX_VALUE - 1) + 1;
            if (byProcessId.putIfAbsent(processId, session) == null) {
                session.setCancelKey(processId, random.nextInt());
                return;
            }
        }
    }

    /** The session holding this cancel key, or null. */
    ClientSession find(int processId, int secretKey) {
        ClientSession session = byProcessId.get(processId);
        return session != null && session.secretKey() == secretKey ? session : null;
    }

    /** Every connection, logged in or not. */
    public int connectedCount() {
        return connected.get();
    }

    /** Connections that have not finished authentication (counted against {@code max_pending_logins}). */
    public int loggingInCount() {
        return loggingInCount.get();
    }

    /** Clients that have authenticated, console included (counted against {@code max_client_connections}). */
    public int loggedInCount() {
        return loggedInCount.get();
    }

    /**
     * On {@code loop}: checks the timeouts of the sessions that live on it (each loop its own, so
     * that no session is touched from another thread and no task is queued per session).
     */
    public void checkTimeouts(EventExecutor loop, UserTimeouts timeouts) {
        long now = System.nanoTime();
        for (ClientSession session : sessions) {
            if (session.executor() == loop) {
                session.checkTimeouts(now, timeouts);
            }
        }
    }

    public List<ClientSession> all() {
        return List.copyOf(sessions);
    }

    /**
     * The connected session with this id (SHOW CLIENTS' {@code id}), or null. One whose connection is
     * closed but whose cleanup has not run yet (it runs in a later task of its loop; on io_uring the
     * close itself completes a turn later) is not connected: its client may already have seen the end.
     */
    public ClientSession byId(long id) {
        for (ClientSession session : sessions) {
            if (session.id() == id && session.connected()) {
                return session;
            }
        }
        return null;
    }
}
