package io.pgmux.proxy.client;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Set;

import static io.pgmux.proxy.client.SyncPhase.COPY_IN;
import static io.pgmux.proxy.client.SyncPhase.COPY_IN_UNSYNCED;
import static io.pgmux.proxy.client.SyncPhase.SKIPPING;
import static io.pgmux.proxy.client.SyncPhase.SYNCED;
import static io.pgmux.proxy.client.SyncPhase.UNSYNCED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The link's phase table: the arrows of the diagram in SyncPhase's comment, and nothing else. */
class SyncPhaseTest {
    private static final Set<String> ARROWS = Set.of(
            "SYNCED -> UNSYNCED", "SYNCED -> SKIPPING", "SYNCED -> COPY_IN", "SYNCED -> COPY_IN_UNSYNCED",
            "UNSYNCED -> SYNCED", "UNSYNCED -> SKIPPING", "UNSYNCED -> COPY_IN_UNSYNCED",
            "SKIPPING -> SYNCED",
            "COPY_IN -> SYNCED",
            "COPY_IN_UNSYNCED -> UNSYNCED");

    @Test
    void exactlyTheArrowsOfTheDiagramAreAllowed() {
        for (SyncPhase from : SyncPhase.values()) {
            for (SyncPhase to : SyncPhase.values()) {
                String arrow = from + " -> " + to;
                assertEquals(ARROWS.contains(arrow), from.mayBecome(to), arrow);
            }
        }
    }

    @Test
    void aCopyEndsWhereItsStreamStood() {
        assertEquals(COPY_IN, SYNCED.copying());
        assertEquals(COPY_IN_UNSYNCED, UNSYNCED.copying());
        assertEquals(SYNCED, COPY_IN.afterCopy());
        assertEquals(UNSYNCED, COPY_IN_UNSYNCED.afterCopy());
        for (SyncPhase phase : EnumSet.of(SYNCED, UNSYNCED, SKIPPING)) {
            assertEquals(phase, phase.afterCopy(), "no copy to end in " + phase);
        }
    }

    @Test
    void onlyTheSyncedPhasesLetTheServerGo() {
        assertFalse(SYNCED.unsynced());
        assertFalse(COPY_IN.unsynced(), "a simple query's COPY: its ReadyForQuery is owed, not a Sync");
        assertTrue(UNSYNCED.unsynced());
        assertTrue(SKIPPING.unsynced());
        assertTrue(COPY_IN_UNSYNCED.unsynced());
    }
}
