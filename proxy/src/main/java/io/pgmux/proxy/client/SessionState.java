package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.pgmux.proxy.admin.AdminConsole;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The states of a {@link ClientSession}, and the one table of the changes between them that a
 * session may make: the diagram in {@link ClientSession}'s comment, as data. A pair the table does
 * not list is a bug, and {@link #check} throws. States that carry nothing are singletons, so the
 * hot path (Idle, Waiting, Linked, Idle) allocates only the two states that carry something.
 */
sealed interface SessionState {

    /** Before the StartupMessage; SSL and GSS encryption requests are refused here. */
    record AwaitingStartup() implements SessionState {}

    /** Between the StartupMessage and the end of authentication; only password messages are read. */
    record Authenticating(ClientAuthenticator authenticator) implements SessionState {}

    /** Queued for a server: to check the client's startup settings ({@code forWelcome}), or to run its messages. */
    record Waiting(List<ByteBuf> pending, boolean forWelcome) implements SessionState {}

    /** Holding a server to check the startup settings before the welcome; client messages wait. */
    record Validating(ServerLink link, List<ByteBuf> pending) implements SessionState {}

    /** Logged in, holding no server. */
    record Idle() implements SessionState {}

    /** An error was answered locally for an unfinished extended-protocol batch: drop messages until Sync, as Postgres does. */
    record FailedUntilSync() implements SessionState {}

    /** Holding a server for a transaction (or, in session mode, for the session). */
    record Linked(ServerLink link) implements SessionState {}

    /** The client is gone; the server it held is being rolled back or reset before it goes back. */
    record Abandoned(ServerLink link) implements SessionState {}

    /** Logged in to the admin console, which gets every frame. */
    record Admin(AdminConsole console) implements SessionState {}

    /** The connection is closed or closing; nothing more happens. */
    record Closed() implements SessionState {}

    AwaitingStartup AWAITING_STARTUP = new AwaitingStartup();
    Idle IDLE = new Idle();
    FailedUntilSync FAILED_UNTIL_SYNC = new FailedUntilSync();
    Closed CLOSED = new Closed();

    /** For each state, the states a session may move to from it (the diagram above, as data). */
    Map<Class<? extends SessionState>, Set<Class<? extends SessionState>>> ALLOWED = Map.of(
            AwaitingStartup.class, Set.of(Authenticating.class, Closed.class),
            Authenticating.class, Set.of(Idle.class, Waiting.class, Admin.class, Closed.class),
            Waiting.class, Set.of(Validating.class, Linked.class, Idle.class, FailedUntilSync.class, Closed.class),
            Validating.class, Set.of(Idle.class, Abandoned.class, Closed.class),
            Idle.class, Set.of(Waiting.class, FailedUntilSync.class, Closed.class),
            FailedUntilSync.class, Set.of(Idle.class, Closed.class),
            Linked.class, Set.of(Idle.class, FailedUntilSync.class, Abandoned.class, Closed.class),
            Abandoned.class, Set.of(Closed.class),
            Admin.class, Set.of(Closed.class),
            Closed.class, Set.of());

    /** Returns {@code next} if the table allows moving there from {@code current}; throws otherwise. */
    static SessionState check(SessionState current, SessionState next) {
        if (!ALLOWED.get(current.getClass()).contains(next.getClass())) {
            throw new IllegalStateException("a client session cannot go from " + current.getClass().getSimpleName()
                    + " to " + next.getClass().getSimpleName());
        }
        return next;
    }
}
