package io.pgmux.proxy.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PeerCancelKeysTest {

    @Test
    void aKeyNamesItsReplicaAndIsAPositiveProcessId() {
        for (int peerId : new int[] {1, 2, 8191, 16383}) {
            for (int local : new int[] {1, 77, PeerCancelKeys.MAX_LOCAL}) {
                int processId = PeerCancelKeys.processId(peerId, local);

                assertTrue(processId > 0, "a process id as Postgres gives them");
                assertEquals(peerId, PeerCancelKeys.issuer(processId));
                assertFalse(PeerCancelKeys.isForwarded(processId));
            }
        }
    }

    @Test
    void theForwardedMarkKeepsTheIssuerAndComesOffAgain() {
        int processId = PeerCancelKeys.processId(16383, PeerCancelKeys.MAX_LOCAL);

        int forwarded = PeerCancelKeys.markForwarded(processId);

        assertTrue(PeerCancelKeys.isForwarded(forwarded));
        assertEquals(16383, PeerCancelKeys.issuer(forwarded));
        assertEquals(processId, PeerCancelKeys.unmarked(forwarded));
        assertEquals(forwarded, PeerCancelKeys.markForwarded(forwarded), "marking twice changes nothing");
    }

    @Test
    void idsAndNumbersOutOfRangeAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> PeerCancelKeys.processId(0, 1));
        assertThrows(IllegalArgumentException.class, () -> PeerCancelKeys.processId(16384, 1));
        assertThrows(IllegalArgumentException.class, () -> PeerCancelKeys.processId(1, 0));
        assertThrows(IllegalArgumentException.class, () -> PeerCancelKeys.processId(1, PeerCancelKeys.MAX_LOCAL + 1));
    }
}
