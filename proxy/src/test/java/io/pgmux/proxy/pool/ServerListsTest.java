package io.pgmux.proxy.pool;

import io.netty.channel.embedded.EmbeddedChannel;
import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.backend.TestServerConnections;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.pgmux.proxy.pool.ServerPhase.ACTIVE;
import static io.pgmux.proxy.pool.ServerPhase.CLOSING;
import static io.pgmux.proxy.pool.ServerPhase.IDLE;
import static io.pgmux.proxy.pool.ServerPhase.LOGIN;
import static io.pgmux.proxy.pool.ServerPhase.UNLISTED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A pool's servers by phase, without the pool: the moves, the counts they keep, and the generations. */
class ServerListsTest {
    private final ServerLists lists = new ServerLists("app/alice");
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void closeChannels() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    @Test
    void aServerMovesThroughEveryPhaseAndTheCountsFollow() {
        // given a slot reserved for a server the opener is asked for
        lists.reserve();
        assertSizes(1, 1);

        // when it opens, logs in, goes idle, is retired and closes, the counts follow each move
        ServerConnection server = server();
        lists.move(server, UNLISTED, LOGIN);
        assertSizes(1, 1);
        assertEquals(1, lists.count(LOGIN));

        lists.move(server, LOGIN, ACTIVE);
        assertSizes(1, 0);
        assertEquals(1, lists.count(ACTIVE));

        lists.move(server, ACTIVE, IDLE);
        assertEquals(List.of(0, 1), List.of(lists.count(ACTIVE), lists.count(IDLE)));
        assertEquals(List.of(server), lists.idleOldestFirst());

        lists.move(server, IDLE, CLOSING);
        assertSizes(0, 0);
        assertEquals(List.of(0, 1), List.of(lists.count(IDLE), lists.count(CLOSING)));
        assertEquals(List.of(), lists.idleOldestFirst());
        assertFalse(lists.isEmpty(), "a closing server is still listed");
        assertEquals(List.of(), lists.states(), "but not shown");

        lists.move(server, CLOSING, UNLISTED);
        assertEquals(UNLISTED, lists.phaseOf(server));
        assertEquals(0, lists.count(CLOSING));
        assertTrue(lists.isEmpty());
    }

    @Test
    void aMoveFromTheWrongPhaseOrOneThePhasesDoNotAllowIsRefusedAndChangesNothing() {
        // given an active server
        ServerConnection server = active();

        // when it is moved from a phase it is not in, or to one ACTIVE cannot become, it is refused
        IllegalStateException wrongFrom = assertThrows(IllegalStateException.class, () -> lists.move(server, IDLE, ACTIVE));
        assertEquals("[app/alice] server " + server + " cannot move from IDLE to ACTIVE: it is ACTIVE", wrongFrom.getMessage());
        assertThrows(IllegalStateException.class, () -> lists.move(server, ACTIVE, LOGIN));
        assertThrows(IllegalStateException.class, () -> lists.move(server(), LOGIN, ACTIVE), "an unlisted server");

        // then it is still active, counted once
        assertEquals(ACTIVE, lists.phaseOf(server));
        assertEquals(List.of(1, 0, 0), List.of(lists.count(ACTIVE), lists.count(LOGIN), lists.count(IDLE)));
        assertSizes(1, 0);
    }

    @Test
    void aNewGenerationMarksTheListedServersAsOldUntilTheyAreRetired() {
        // given an active server of the first generation
        ServerConnection old = active();
        assertTrue(lists.isCurrent(old));

        // when a new generation starts, it is old: to close, and waited for
        lists.newGeneration();
        assertFalse(lists.isCurrent(old));
        assertTrue(lists.oldServersLeft(lists.generation()));
        assertTrue(lists.states().get(0).closeNeeded());

        // and a server opened now is current
        ServerConnection fresh = active();
        assertTrue(lists.isCurrent(fresh));

        // when the old one is retired, none is left to wait for
        lists.move(old, ACTIVE, CLOSING);
        assertFalse(lists.oldServersLeft(lists.generation()));
        assertEquals(List.of(new ServerState(fresh, ACTIVE, false)), lists.states());
    }

    @Test
    void onlyAnIdleOrActiveServerOfTheCurrentGenerationCountsAsLoggedIn() {
        // given a server logging in: not yet
        ServerConnection server = server();
        lists.reserve();
        lists.move(server, UNLISTED, LOGIN);
        assertFalse(lists.hasLoggedIn());

        // when it is active, then idle, it is
        lists.move(server, LOGIN, ACTIVE);
        assertTrue(lists.hasLoggedIn());
        lists.move(server, ACTIVE, IDLE);
        assertTrue(lists.hasLoggedIn());

        // and once a new generation makes it old, it is not: it will close when released
        lists.newGeneration();
        assertFalse(lists.hasLoggedIn());
        ServerConnection fresh = active();
        assertTrue(lists.hasLoggedIn());
        lists.move(fresh, ACTIVE, CLOSING);
        assertFalse(lists.hasLoggedIn(), "a closing server serves nobody");
    }

    @Test
    void anIdleServerOnTheAskingLoopIsPreferredElseTheMostRecentlyReleased() {
        // given two idle servers, the first released first
        ServerConnection first = active();
        ServerConnection second = active();
        lists.move(first, ACTIVE, IDLE);
        lists.move(second, ACTIVE, IDLE);

        // then a client on the first one's loop is offered it, any other the most recent, and it stays idle
        assertSame(first, lists.idleServerFor(first.eventLoop()));
        assertSame(second, lists.idleServerFor(new EmbeddedChannel().eventLoop()));
        assertSame(first, lists.oldestIdle());
        assertEquals(2, lists.count(IDLE));
        assertNull(first.listener());
    }

    /** A server that logged in through a reserved slot. */
    private ServerConnection active() {
        ServerConnection server = server();
        lists.reserve();
        lists.move(server, UNLISTED, LOGIN);
        lists.move(server, LOGIN, ACTIVE);
        return server;
    }

    private ServerConnection server() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channels.add(channel);
        return TestServerConnections.on(channel);
    }

    private void assertSizes(int size, int connecting) {
        assertEquals(List.of(size, connecting), List.of(lists.size(), lists.connecting()), "size, connecting");
    }
}
