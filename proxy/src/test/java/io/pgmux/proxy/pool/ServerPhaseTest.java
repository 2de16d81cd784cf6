package io.pgmux.proxy.pool;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.pgmux.proxy.pool.ServerPhase.ACTIVE;
import static io.pgmux.proxy.pool.ServerPhase.CLOSING;
import static io.pgmux.proxy.pool.ServerPhase.IDLE;
import static io.pgmux.proxy.pool.ServerPhase.LOGIN;
import static io.pgmux.proxy.pool.ServerPhase.UNLISTED;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The phases of a pooled server: the moves they allow and the names SHOW SERVERS gives them. */
class ServerPhaseTest {

    /** The arrows of the diagram in {@link ServerPhase}'s Javadoc, written out. */
    private static final Map<ServerPhase, Set<ServerPhase>> ALLOWED = Map.of(
            UNLISTED, EnumSet.of(LOGIN),
            LOGIN, EnumSet.of(ACTIVE, UNLISTED),
            ACTIVE, EnumSet.of(IDLE, CLOSING, UNLISTED),
            IDLE, EnumSet.of(ACTIVE, CLOSING, UNLISTED),
            CLOSING, EnumSet.of(UNLISTED));

    @Test
    void everyPhaseMayBecomeExactlyTheOnesItsArrowsReach() {
        for (ServerPhase from : ServerPhase.values()) {
            Set<ServerPhase> reached = EnumSet.noneOf(ServerPhase.class);
            for (ServerPhase to : ServerPhase.values()) {
                if (from.mayBecome(to)) {
                    reached.add(to);
                }
            }
            assertEquals(ALLOWED.get(from), reached, "moves from " + from);
        }
    }

    @Test
    void showServersNamesThePhasesItListsAsItAlwaysHas() {
        assertEquals(List.of("new", "idle", "active"),
                List.of(LOGIN.displayName(), IDLE.displayName(), ACTIVE.displayName()));
    }
}
