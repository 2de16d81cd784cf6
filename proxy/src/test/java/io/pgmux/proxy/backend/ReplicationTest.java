package io.pgmux.proxy.backend;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ReplicationTest {

    @Test
    void databaseIsLogicalAndBooleansArePhysicalOrNoneAsPostgresReadsThem() {
        assertEquals(Replication.NONE, Replication.parse(null));
        assertEquals(Replication.LOGICAL, Replication.parse("database"));
        for (String on : new String[] {"true", "TRUE", "t", "tr", "yes", "y", "on", "ON", "1"}) {
            assertEquals(Replication.PHYSICAL, Replication.parse(on), on);
        }
        for (String off : new String[] {"false", "f", "no", "n", "off", "of", "0"}) {
            assertEquals(Replication.NONE, Replication.parse(off), off);
        }
    }

    @Test
    void anythingElseIsRefusedWithPostgresMessage() {
        for (String bad : new String[] {"", "o", "Database", "sometimes", " true", "2"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Replication.parse(bad), bad);
            assertEquals("invalid value for parameter \"replication\": \"" + bad + "\"", e.getMessage());
        }
        assertEquals(Replication.NONE, Replication.of("sometimes"), "what pgmux wrote itself is read leniently");
    }

    @Test
    void shownAsPgBouncerAndSentAsPostgresSpellsIt() {
        assertEquals("none", Replication.NONE.shown());
        assertEquals("physical", Replication.PHYSICAL.shown());
        assertEquals("logical", Replication.LOGICAL.shown());
        assertEquals("true", Replication.PHYSICAL.startupValue());
        assertEquals("database", Replication.LOGICAL.startupValue());
    }
}
