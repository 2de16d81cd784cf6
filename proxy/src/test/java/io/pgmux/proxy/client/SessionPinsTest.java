package io.pgmux.proxy.client;

import io.pgmux.protocol.TransactionStatus;
import io.pgmux.proxy.sql.SessionFeatures;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When a client is pinned to its server, and when it goes back to transaction pooling. */
class SessionPinsTest {
    private final CountingBudget budget = new CountingBudget(1);
    private final SessionPins pins = new SessionPins(budget);

    private boolean send(String sql) {
        return pins.onSent(SessionFeatures.inText(sql, false));
    }

    /** Sends {@code sql} and the server answers it without error, ending idle. */
    private boolean run(String sql) {
        send(sql);
        return pins.onReadyForQuery(TransactionStatus.IDLE);
    }

    @Test
    void aTakeCountsFromTheMomentItIsSentAndTakesAPlaceInTheBudget() {
        assertTrue(send("LISTEN jobs"));
        assertTrue(pins.isPinned());
        assertEquals("listen", pins.reasons());
        assertEquals(1, budget.used);
        pins.onError(); // LISTEN failed: it still counts
        pins.onReadyForQuery(TransactionStatus.IDLE);
        assertTrue(pins.isPinned());
    }

    @Test
    void givingBackTheLastPinReleasesTheClientAndItsPlace() {
        run("LISTEN a");
        run("CREATE TEMP TABLE t (x int)");
        assertFalse(run("UNLISTEN a"));
        assertTrue(pins.isPinned());
        assertTrue(run("DROP TABLE t"));
        assertFalse(pins.isPinned());
        assertEquals("", pins.reasons());
        assertEquals(0, budget.used);
    }

    @Test
    void anUnlockThatBringsTheCountToZeroWaitsForTheServersCount() {
        run("SELECT pg_advisory_lock(1)");
        run("SELECT pg_advisory_lock(2)");
        assertFalse(run("SELECT pg_advisory_unlock(1)"));
        assertFalse(pins.takeAdvisoryCheck(), "one lock still counted");
        assertFalse(run("SELECT pg_advisory_unlock(3)"), "an unlock of a lock not held gives back nothing");
        assertTrue(pins.isPinned());
        assertTrue(pins.takeAdvisoryCheck());
        assertFalse(pins.takeAdvisoryCheck(), "asked once");
        // when: the server says lock 2 is still held
        assertFalse(pins.onAdvisoryLocksCounted(1));
        assertEquals("advisory_lock", pins.reasons());
        run("SELECT pg_advisory_unlock(2)");
        assertTrue(pins.takeAdvisoryCheck());
        assertTrue(pins.onAdvisoryLocksCounted(0));
        assertFalse(pins.isPinned());
        assertEquals(0, budget.used);
    }

    @Test
    void unlockAllAndDiscardAllNeedNoCount() {
        run("SELECT pg_advisory_lock(1)");
        assertTrue(run("SELECT pg_advisory_unlock(1); SELECT pg_advisory_unlock_all()"));
        assertFalse(pins.takeAdvisoryCheck());
        run("SELECT pg_advisory_lock(1)");
        assertTrue(run("SELECT pg_advisory_unlock(1); DISCARD ALL"));
        assertFalse(pins.takeAdvisoryCheck());
    }

    @Test
    void aGiveBackCountsOnlyWhenTheServerIsIdleWithoutErrorOrRollback() {
        run("CREATE TEMP TABLE t (a int)");
        send("BEGIN; DROP TABLE t");
        assertFalse(pins.onReadyForQuery(TransactionStatus.IN_TRANSACTION));
        assertTrue(pins.isPinned(), "not given back before the transaction ends");
        send("ROLLBACK");
        pins.onRollback();
        pins.onReadyForQuery(TransactionStatus.IDLE);
        assertTrue(pins.isPinned(), "a ROLLBACK drops the give-back");

        send("DROP TABLE t");
        pins.onError();
        pins.onReadyForQuery(TransactionStatus.IDLE);
        assertTrue(pins.isPinned(), "an error drops the give-back");

        send("BEGIN; DROP TABLE t");
        pins.onReadyForQuery(TransactionStatus.IN_TRANSACTION);
        send("COMMIT");
        assertTrue(pins.onReadyForQuery(TransactionStatus.IDLE));
        assertFalse(pins.isPinned());
    }

    @Test
    void takesAndGiveBacksSettleInTheOrderSent() {
        run("LISTEN a");
        run("UNLISTEN *; LISTEN b");
        assertTrue(pins.isPinned(), "LISTEN b came after UNLISTEN *");
        assertTrue(run("UNLISTEN b"));
        run("LISTEN a; UNLISTEN a");
        assertFalse(pins.isPinned());
    }

    @Test
    void discardAllGivesBackEverythingAndDiscardTempTheTempObjects() {
        run("LISTEN a; SELECT pg_try_advisory_lock(1); CREATE TEMP TABLE t (x int); "
                + "DECLARE c CURSOR WITH HOLD FOR SELECT 1; LOAD 'auto_explain'");
        assertEquals("listen,advisory_lock,temp_table,hold_cursor,load", pins.reasons());
        run("DISCARD TEMP");
        assertEquals("listen,advisory_lock,hold_cursor,load", pins.reasons());
        run("CLOSE ALL");
        run("SELECT pg_advisory_unlock_all()");
        assertFalse(pins.takeAdvisoryCheck());
        assertEquals("listen,load", pins.reasons());
        assertTrue(run("DISCARD ALL"));
        assertEquals(0, budget.used);
    }

    @Test
    void whenTheBudgetIsSpentATakeIsRefusedAndNothingRecorded() {
        budget.used = 1;
        assertFalse(send("LISTEN a"));
        assertFalse(pins.isPinned());
        assertTrue(send("UNLISTEN a"), "a give-back needs no place");
        budget.used = 0;
        assertTrue(send("LISTEN a"));
        assertTrue(send("LISTEN b"), "a pinned client already has its place");
        assertEquals(1, budget.used);
    }

    @Test
    void clearingGivesThePlaceBack() {
        run("LISTEN a");
        pins.clear();
        assertFalse(pins.isPinned());
        assertEquals(0, budget.used);
        pins.clear();
        assertEquals(0, budget.used, "given back once");
    }

    private static final class CountingBudget implements SessionPins.Budget {
        private final int limit;
        int used;

        CountingBudget(int limit) {
            this.limit = limit;
        }

        @Override
        public boolean tryPin() {
            if (used >= limit) {
                return false;
            }
            used++;
            return true;
        }

        @Override
        public void unpin() {
            used--;
        }
    }
}
