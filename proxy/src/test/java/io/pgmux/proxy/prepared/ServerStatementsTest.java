package io.pgmux.proxy.prepared;

import io.pgmux.proxy.prepared.ServerStatements.Slot;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** One server connection's statements: slot states, least-recently-used order, restore and clear. */
class ServerStatementsTest {
    private static PreparedStatement statement(String sql) {
        return new PreparedStatement(new StatementKey(sql, new int[0], null));
    }

    private final PreparedStatement a = statement("SELECT 'a'");
    private final PreparedStatement b = statement("SELECT 'b'");
    private final PreparedStatement c = statement("SELECT 'c'");

    @Test
    void slotFollowsTheServersReplies() {
        ServerStatements held = new ServerStatements();
        assertNull(held.find(a));

        Slot slot = held.addPending(a);
        assertEquals(Slot.State.PENDING, slot.state());
        assertSame(slot, held.find(a));
        assertEquals(a.serverName(), slot.serverName());
        // when the server accepts it, the slot hands the statement over and keeps only its name
        assertSame(a, slot.markPresent());
        assertEquals(Slot.State.PRESENT, held.find(a).state());
        assertNull(slot.markPresent(), "the slot still refers to the statement (and its text)");
        assertEquals(1, held.size());
    }

    @Test
    void leastRecentlyUsedIsTheOneFoundLongestAgo() {
        ServerStatements held = new ServerStatements();
        held.addPending(a);
        held.addPending(b);
        held.addPending(c);
        assertEquals(a.serverName(), held.leastRecentlyUsedExcept(c).serverName());

        // when: a is used, b becomes the oldest
        held.find(a);
        assertEquals(b.serverName(), held.leastRecentlyUsedExcept(c).serverName());
        // the one being prepared is never the victim
        assertEquals(c.serverName(), held.leastRecentlyUsedExcept(b).serverName());
        held.find(c);
        assertEquals(a.serverName(), held.leastRecentlyUsedExcept(b).serverName());
    }

    @Test
    void noVictimWhenOnlyTheKeptStatementIsHeld() {
        ServerStatements held = new ServerStatements();
        assertNull(held.leastRecentlyUsedExcept(a));
        held.addPending(a);
        assertNull(held.leastRecentlyUsedExcept(a));
    }

    @Test
    void removeForgetsOnlyTheStatementsCurrentSlot() {
        ServerStatements held = new ServerStatements();
        Slot old = held.addPending(a);
        held.remove(old);
        assertNull(held.find(a));

        Slot current = held.addPending(a);
        held.remove(old);
        assertSame(current, held.find(a));
        assertEquals(1, held.size());
    }

    @Test
    void restoredSlotCountsAgainAsMostRecentlyUsed() {
        ServerStatements held = new ServerStatements();
        Slot evicted = held.addPending(a);
        evicted.markPresent();
        held.addPending(b);
        held.remove(evicted);
        assertEquals(1, held.size());

        held.restore(evicted);

        assertSame(evicted, held.find(a));
        assertEquals(2, held.size());
        held.addPending(c);
        assertEquals(b.serverName(), held.leastRecentlyUsedExcept(c).serverName());
    }

    @Test
    void restoreReplacesANewerSlotOfTheSameStatement() {
        ServerStatements held = new ServerStatements();
        Slot evicted = held.addPending(a);
        evicted.markPresent();
        held.remove(evicted);
        // the same pipeline prepared it again after the eviction; the server skipped both
        Slot newer = held.addPending(a);

        held.restore(evicted);
        held.remove(newer);

        assertSame(evicted, held.find(a));
        assertEquals(Slot.State.PRESENT, held.find(a).state());
    }

    @Test
    void clearMarksEverySlotAbsentAndEmptiesTheServer() {
        ServerStatements held = new ServerStatements();
        Slot slotA = held.addPending(a);
        slotA.markPresent();
        Slot slotB = held.addPending(b);

        held.clear();

        assertEquals(0, held.size());
        assertNull(held.find(a));
        assertNull(held.find(b));
        assertEquals(Slot.State.ABSENT, slotA.state());
        assertEquals(Slot.State.ABSENT, slotB.state());
    }
}
