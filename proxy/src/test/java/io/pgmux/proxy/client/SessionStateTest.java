package io.pgmux.proxy.client;

import io.pgmux.proxy.client.SessionState.Abandoned;
import io.pgmux.proxy.client.SessionState.Admin;
import io.pgmux.proxy.client.SessionState.Authenticating;
import io.pgmux.proxy.client.SessionState.Linked;
import io.pgmux.proxy.client.SessionState.Validating;
import io.pgmux.proxy.client.SessionState.Waiting;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.pgmux.proxy.client.SessionState.AWAITING_STARTUP;
import static io.pgmux.proxy.client.SessionState.CLOSED;
import static io.pgmux.proxy.client.SessionState.FAILED_UNTIL_SYNC;
import static io.pgmux.proxy.client.SessionState.IDLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/** The session's state table: the walks of the diagram in ClientSession's comment, and nothing else. */
class SessionStateTest {
    private static final SessionState AUTHENTICATING = new Authenticating(null);
    private static final SessionState WAITING = new Waiting(new ArrayList<>(), false);
    private static final SessionState WAITING_FOR_WELCOME = new Waiting(new ArrayList<>(), true);
    private static final SessionState VALIDATING = new Validating(null, new ArrayList<>());
    private static final SessionState LINKED = new Linked(null);
    private static final SessionState ABANDONED = new Abandoned(null);
    private static final SessionState ADMIN = new Admin(null);

    private static final List<SessionState> EVERY_STATE = List.of(AWAITING_STARTUP, AUTHENTICATING, WAITING, VALIDATING,
            IDLE, FAILED_UNTIL_SYNC, LINKED, ABANDONED, ADMIN, CLOSED);

    /** Walks through the diagram, each one a path a session can take; together they use every arrow. */
    private static final List<List<SessionState>> WALKS = List.of(
            // logins
            List.of(AWAITING_STARTUP, AUTHENTICATING, IDLE),
            List.of(AWAITING_STARTUP, AUTHENTICATING, WAITING_FOR_WELCOME, VALIDATING, IDLE),
            List.of(AWAITING_STARTUP, AUTHENTICATING, ADMIN, CLOSED),
            List.of(AWAITING_STARTUP, AUTHENTICATING, WAITING_FOR_WELCOME, VALIDATING, ABANDONED, CLOSED),
            // transactions
            List.of(IDLE, WAITING, LINKED, IDLE),
            List.of(IDLE, WAITING, LINKED, FAILED_UNTIL_SYNC, IDLE),
            List.of(IDLE, WAITING, IDLE),
            List.of(IDLE, WAITING, FAILED_UNTIL_SYNC, CLOSED),
            List.of(IDLE, FAILED_UNTIL_SYNC, IDLE),
            List.of(IDLE, WAITING, LINKED, ABANDONED, CLOSED),
            // the end, from everywhere
            List.of(AWAITING_STARTUP, CLOSED),
            List.of(AUTHENTICATING, CLOSED),
            List.of(WAITING, CLOSED),
            List.of(VALIDATING, CLOSED),
            List.of(IDLE, CLOSED),
            List.of(LINKED, CLOSED));

    @Test
    void everyWalkOfTheDiagramIsAllowedStepByStep() {
        for (List<SessionState> walk : WALKS) {
            SessionState current = walk.get(0);
            for (SessionState next : walk.subList(1, walk.size())) {
                assertSame(next, SessionState.check(current, next), () -> "walk " + names(walk));
                current = next;
            }
        }
    }

    @Test
    void theWalksUseTwentyFiveArrowsAndEveryOtherPairIsRefused() {
        Set<String> arrows = new HashSet<>();
        for (List<SessionState> walk : WALKS) {
            for (int i = 1; i < walk.size(); i++) {
                arrows.add(name(walk.get(i - 1)) + " -> " + name(walk.get(i)));
            }
        }
        assertEquals(25, arrows.size(), () -> "arrows walked: " + arrows);
        for (SessionState from : EVERY_STATE) {
            for (SessionState to : EVERY_STATE) {
                String arrow = name(from) + " -> " + name(to);
                if (arrows.contains(arrow)) {
                    continue;
                }
                try {
                    SessionState.check(from, to);
                    fail("allowed, but not in the diagram: " + arrow);
                } catch (IllegalStateException expected) {
                    // refused, as it should be
                }
            }
        }
    }

    @Test
    void refusingNamesBothStates() {
        IllegalStateException idleToLinked = assertThrows(IllegalStateException.class, () -> SessionState.check(IDLE, LINKED));
        assertEquals("a client session cannot go from Idle to Linked", idleToLinked.getMessage());
        IllegalStateException closedToIdle = assertThrows(IllegalStateException.class, () -> SessionState.check(CLOSED, IDLE));
        assertEquals("a client session cannot go from Closed to Idle", closedToIdle.getMessage());
    }

    @Test
    void aSessionThatNeverLoggedInCannotReachTheDataPath() {
        assertThrows(IllegalStateException.class, () -> SessionState.check(AWAITING_STARTUP, IDLE));
        assertThrows(IllegalStateException.class, () -> SessionState.check(AUTHENTICATING, LINKED));
        assertThrows(IllegalStateException.class, () -> SessionState.check(ADMIN, WAITING));
        assertThrows(IllegalStateException.class, () -> SessionState.check(ABANDONED, IDLE));
        assertThrows(IllegalStateException.class, () -> SessionState.check(CLOSED, CLOSED));
    }

    private static String name(SessionState state) {
        return state.getClass().getSimpleName();
    }

    private static String names(List<SessionState> walk) {
        return walk.stream().map(SessionStateTest::name).toList().toString();
    }
}
