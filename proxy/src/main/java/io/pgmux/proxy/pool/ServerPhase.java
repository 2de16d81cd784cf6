package io.pgmux.proxy.pool;

/**
 * Where a server connection stands in its pool. Each phase is one of the pool's lists (or counts),
 * as in PgBouncer, and only {@link ServerLists#move} changes it, refusing any change not drawn here:
 *
 * <pre>
 *              opening            logged in            release
 *  UNLISTED ──────────▶ LOGIN ─────────────▶ ACTIVE ───────────▶ IDLE
 *     ▲                   │                  │    ◀───────────    │
 *     │              login failed            │       acquire      │
 *     ├───────────────────┘               retired              retired
 *     │                                      ▼                    │
 *     │                                   CLOSING ◀───────────────┘
 *     │                                      │
 *     └──── connection closed ───────────────┘   (also straight from ACTIVE or IDLE)
 * </pre>
 *
 * <p>A hand-over from one client to the next is no move: the server stays ACTIVE.
 *
 * <p>{@code UNLISTED} is a server the pool does not list: not yet opened, or gone. SHOW SERVERS
 * lists the servers in {@code LOGIN}, {@code IDLE} and {@code ACTIVE}, each under its
 * {@link #displayName()}.
 */
public enum ServerPhase {
    /** Not in the pool: before {@code onServerOpening}, and after it closed or failed to log in. */
    UNLISTED("unlisted"),
    /** Connecting and logging in; counts against pool_size but serves nobody yet. SHOW SERVERS has always said "new". */
    LOGIN("new"),
    /** Logged in, held by no client, waiting in the pool's idle list. */
    IDLE("idle"),
    /** Held by a client (or, for a moment, being handed to the next one). */
    ACTIVE("active"),
    /** Retired (expired, paused, reconnected, pool shrank): no longer counts, its connection is going away. */
    CLOSING("closing");

    private final String displayName;

    ServerPhase(String displayName) {
        this.displayName = displayName;
    }

    /** How the admin console names the phase (PgBouncer's words where it has them). */
    public String displayName() {
        return displayName;
    }

    /** Whether a server in this phase may move to {@code next}: the arrows of the diagram above. */
    public boolean mayBecome(ServerPhase next) {
        return switch (this) {
            case UNLISTED -> next == LOGIN;
            case LOGIN -> next == ACTIVE || next == UNLISTED;
            case IDLE -> next == ACTIVE || next == CLOSING || next == UNLISTED;
            case ACTIVE -> next == IDLE || next == CLOSING || next == UNLISTED;
            case CLOSING -> next == UNLISTED;
        };
    }
}
