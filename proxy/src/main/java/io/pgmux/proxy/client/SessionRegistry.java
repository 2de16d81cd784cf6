package io.pgmux.proxy.client;

import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * All client sessions: the count behind {@code max_client_connections}, and the cancel keys
 * pgmux handed out, so a CancelRequest finds its session (and nobody else's).
 */
public final class SessionRegistry {
    private final SecureRandom random = new SecureRandom();
    private final ConcurrentHashMap<Integer, ClientSession> byProcessId = new ConcurrentHashMap<>();
    private final ConcurrentHashMap.KeySetView<ClientSession, Boolean> sessions = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connected = new AtomicInteger();

    /** Counts a new connection; returns how many there are now, including it. */
    int onConnected(ClientSession session) {
        sessions.add(session);
        return connected.incrementAndGet();
    }

    void onDisconnected(ClientSession session) {
        if (sessions.remove(session)) {
            connected.decrementAndGet();
        }
        byProcessId.remove(session.processId(), session);
    }

    /** Gives the session a process id no other live session has, and a random secret. */
    void assignCancelKey(ClientSession session) {
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

    public int connectedCount() {
        return connected.get();
    }

    public List<ClientSession> all() {
        return List.copyOf(sessions);
    }

    /** The connected session with this id (SHOW CLIENTS' {@code id}), or null. */
    public ClientSession byId(long id) {
        for (ClientSession session : sessions) {
            if (session.id() == id) {
                return session;
            }
        }
        return null;
    }
}
