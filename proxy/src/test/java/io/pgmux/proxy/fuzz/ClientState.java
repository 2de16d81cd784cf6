package io.pgmux.proxy.fuzz;

/**
 * Where a fuzzed client stands when its fuzzed messages start: each state is reached with valid
 * messages only (see {@link FuzzClient#enter}), so that what follows hits pgmux in that state.
 *
 * <pre>
 *   BEFORE_LOGIN    socket open, nothing sent: the steps are startup-phase packets
 *   DURING_AUTH     StartupMessage sent, AuthenticationSASL received: the steps are auth-phase messages
 *   IDLE            logged in, holds no server
 *   QUEUED          logged in while two HOLDING clients hold both servers of the pool (pool_size 2):
 *                   its steps are sent before anyone else's, so the first that needs a server waits
 *   IN_TRANSACTION  BEGIN done: holds a server ('T')
 *   IN_COPY_IN      COPY ... FROM STDIN started: holds a server that waits for CopyData
 *   IN_COPY_OUT     COPY ... TO STDOUT started: the server streams rows while the steps arrive
 *   IN_PIPELINE     Parse/Bind/Execute and Flush without Sync answered: holds a server mid-pipeline
 *   AFTER_ERROR     an extended query failed (1/0) without Sync: the server skips to Sync
 * </pre>
 */
public enum ClientState {
    BEFORE_LOGIN(false, false),
    DURING_AUTH(false, false),
    IDLE(true, false),
    QUEUED(true, false),
    IN_TRANSACTION(true, true),
    IN_COPY_IN(true, true),
    IN_COPY_OUT(true, true),
    IN_PIPELINE(true, true),
    AFTER_ERROR(true, true);

    private final boolean loggedIn;
    private final boolean holdsServer;

    ClientState(boolean loggedIn, boolean holdsServer) {
        this.loggedIn = loggedIn;
        this.holdsServer = holdsServer;
    }

    /** Whether the steps are typed messages of a logged-in session (else startup or auth phase). */
    public boolean loggedIn() {
        return loggedIn;
    }

    /** Whether entering the state takes a server from the pool and keeps it. */
    public boolean holdsServer() {
        return holdsServer;
    }
}
