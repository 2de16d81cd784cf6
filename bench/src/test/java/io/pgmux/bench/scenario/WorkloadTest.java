package io.pgmux.bench.scenario;

import io.pgmux.bench.sql.Protocol;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkloadTest {

    @Test
    void aSpecNamesScenarioProtocolAndClients() {
        Workload w = Workload.parse("select1/prepared@1_000");

        assertEquals("select1", w.scenario().name());
        assertEquals(Protocol.PREPARED, w.protocol());
        assertEquals(1000, w.clients());
        assertEquals("select1/prepared@1000", w.label());
    }

    @Test
    void theProtocolDefaultsToSimpleAndConnectionScenariosHaveNone() {
        assertEquals("tpcb/simple@50", Workload.parse("tpcb@50").label());
        assertEquals("idle@10000", Workload.parse("idle@10,000").label());
        assertEquals(Kind.STORM, Workload.parse("storm@5000").kind());
    }

    @Test
    void badSpecsSayWhatIsWrong() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Workload.parse("select1")).getMessage()
                .contains("SCENARIO[/PROTOCOL]@CLIENTS"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Workload.parse("nope@5")).getMessage()
                .contains("unknown scenario"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Workload.parse("idle/prepared@5")).getMessage()
                .contains("takes no protocol"));
        assertThrows(IllegalArgumentException.class, () -> Workload.parse("select1@0"));
    }
}
