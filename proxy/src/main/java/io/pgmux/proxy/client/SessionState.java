package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.pgmux.proxy.admin.AdminConsole;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The states of a {@link ClientSession}, and the one table of the changes between them that a
 * session may make: the diagram in {@link ClientSession}'s comment, as data. A pair the table does
 * not list is a bug, and {@link #check} throws. States that carry nothing are singletons, and a
 * session makes the Waiting of its transactions and its Linked once each (see
 * {@code MessagesWithoutServer} and {@code ServerHold}), so the hot path (Idle, Waiting, Linked,
 * Idle) allocates no state.
 */
sealed interface SessionState {

    /** Before the StartupMessage; SSL and GSS encryption requests are refused here. */
    record AwaitingStartup() implements SessionState {
        public Kind kind() {
            return Kind.AWAITING_STARTUP;
        }
    }

    /** Between the StartupMessage and the end of authentication; only password messages are read. */
    record Authenticating(ClientAuthenticator authenticator) implements SessionState {
        public Kind kind() {
            return Kind.AUTHENTICATING;
        }
    }

    /** Queued for a server: to check the client's startup settings ({@code forWelcome}), or to run its messages. */
    record Waiting(List<ByteBuf> pending, boolean forWelcome) implements SessionState {
        public Kind kind() {
            return Kind.WAITING;
        }
    }

    /** Holding a server to check the startup settings before the welcome; client messages wait. */
    record Validating(ServerLink link, List<ByteBuf> pending) implements SessionState {
        public Kind kind() {
            return Kind.VALIDATING;
        }
    }

    /** Logged in, holding no server. */
    record Idle() implements SessionState {
        public Kind kind() {
            return Kind.IDLE;
        }
    }

    /** An error was answered locally for an unfinished extended-protocol batch: drop messages until Sync, as Postgres does. */
    record FailedUntilSync() implements SessionState {
        public Kind kind() {
            return Kind.FAILED_UNTIL_SYNC;
        }
    }

    /** Holding a server for a transaction (or, in session mode, for the session). */
    record Linked(ServerLink link) implements SessionState {
        public Kind kind() {
            return Kind.LINKED;
        }
    }

    /** The client is gone; the server it held is being rolled back or reset before it goes back. */
    record Abandoned(ServerLink link) implements SessionState {
        public Kind kind() {
            return Kind.ABANDONED;
        }
    }

    /** A replication client: waiting for a server of its own, then passing bytes through (see {@link ReplicationLink}). */
    record Replicating(ReplicationLink link) implements SessionState {
        public Kind kind() {
            return Kind.REPLICATING;
        }
    }

    /** Logged in to the admin console, which gets every frame. */
    record Admin(AdminConsole console) implements SessionState {
        public Kind kind() {
            return Kind.ADMIN;
        }
    }

    /** The connection is closed or closing; nothing more happens. */
    record Closed() implements SessionState {
        public Kind kind() {
            return Kind.CLOSED;
        }
    }

    AwaitingStartup AWAITING_STARTUP = new AwaitingStartup();
    Idle IDLE = new Idle();
    FailedUntilSync FAILED_UNTIL_SYNC = new FailedUntilSync();
    Closed CLOSED = new Closed();

    /** Which state this is, for the table of changes. */
    Kind kind();

    /** The states by name, each with the states a session may move to from it (the diagram above, as data). */
    enum Kind {
        AWAITING_STARTUP, AUTHENTICATING, WAITING, VALIDATING, IDLE, FAILED_UNTIL_SYNC, LINKED, ABANDONED, REPLICATING, ADMIN, CLOSED;

        /** Set once below (an enum's constants cannot make an EnumSet of their type while they are built). */
        private Set<Kind> next;

        static {
            AWAITING_STARTUP.next = EnumSet.of(AUTHENTICATING, CLOSED);
            AUTHENTICATING.next = EnumSet.of(IDLE, WAITING, REPLICATING, ADMIN, CLOSED);
            WAITING.next = EnumSet.of(VALIDATING, LINKED, IDLE, FAILED_UNTIL_SYNC, CLOSED);
            VALIDATING.next = EnumSet.of(IDLE, ABANDONED, CLOSED);
            IDLE.next = EnumSet.of(WAITING, FAILED_UNTIL_SYNC, CLOSED);
            FAILED_UNTIL_SYNC.next = EnumSet.of(IDLE, CLOSED);
            LINKED.next = EnumSet.of(IDLE, FAILED_UNTIL_SYNC, ABANDONED, CLOSED);
            ABANDONED.next = EnumSet.of(CLOSED);
            REPLICATING.next = EnumSet.of(CLOSED);
            ADMIN.next = EnumSet.of(CLOSED);
            CLOSED.next = EnumSet.noneOf(Kind.class);
        }
    }

    /** Returns {@code next} if the table allows moving there from {@code current}; throws otherwise. */
    static SessionState check(SessionState current, SessionState next) {
        if (!current.kind().next.contains(next.kind())) { // a bit test: this runs several times per transaction
            throw new IllegalStateException("a client session cannot go from " + current.getClass().getSimpleName()
                    + " to " + next.getClass().getSimpleName());
        }
        return next;
    }
}
