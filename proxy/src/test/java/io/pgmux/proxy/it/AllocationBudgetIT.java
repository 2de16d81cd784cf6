package io.pgmux.proxy.it;

import io.pgmux.protocol.message.Execute;
import io.pgmux.protocol.message.Parse;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hot path's allocation budget: bytes allocated on pgmux's event-loop threads per {@code SELECT 1}
 * transaction, simple and prepared, measured with {@code ThreadMXBean#getThreadAllocatedBytes} over
 * thousands of transactions after a warm-up. A count, not a time: it does not depend on the machine's
 * speed or load, and it catches a change that makes every transaction allocate more (a copied buffer,
 * a boxed map lookup, a new object per frame).
 *
 * <p>The budgets were set from measurement, about 1.3 times what was measured, for the JIT's and the
 * allocator's variation; lower them when the hot path allocates less, raise one only with a reason.
 */
class AllocationBudgetIT {
    private static final String USER = "alloc_user";
    private static final int WARM_UP = 3_000;
    private static final int MEASURED = 10_000;
    /**
     * Bytes per transaction on the event loops, simple protocol: 674 on 2026-12-07 with Netty's adaptive allocator and
     * the server link built at each assignment; 485 with the pooled allocator (net.Buffers); 150 with both and the link
     * made once per session. A loaded machine measured up to 1.5 times more, hence the room.
     */
    private static final long SIMPLE_BUDGET = 320;
    /**
     * Bytes per transaction on the event loops, a named statement's Bind/Execute/Sync: 1,376 on 2026-12-07; 523 with the
     * pooled allocator and the server statement name's bytes cached; 211 with the link made once per session as well.
     */
    private static final long PREPARED_BUDGET = 400;

    @RegisterExtension
    static final PgmuxFixture pgmux = PgmuxFixture.withConfig("pool_size: 2\n").role(USER);
    private static ResourceLeakDetector.Level leakDetection;

    /** The tests' paranoid leak detection records a stack trace at every buffer access: off while measuring. */
    @BeforeAll
    static void measureWithoutLeakDetection() {
        leakDetection = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
    }

    @AfterAll
    static void restoreLeakDetection() {
        ResourceLeakDetector.setLevel(leakDetection);
    }

    @Test
    void aSimpleSelectOneAllocatesLittleOnTheEventLoops() throws Exception {
        try (RawClient client = pgmux.raw(USER)) {
            long perTransaction = allocatedPerTransaction(() -> assertAnswered(client.query("SELECT 1")));

            System.out.printf("simple SELECT 1: %,d bytes allocated on the event loops per transaction%n", perTransaction);
            assertTrue(perTransaction <= SIMPLE_BUDGET, perTransaction + " bytes per transaction, budget " + SIMPLE_BUDGET);
        }
    }

    @Test
    void aPreparedSelectOneAllocatesLittleOnTheEventLoops() throws Exception {
        try (RawClient client = pgmux.raw(USER)) {
            client.send(new Parse("one", "SELECT 1", new int[0])).sync().flush();
            assertEquals("1Z", RawClient.types(client.readUntilReady()));

            long perTransaction = allocatedPerTransaction(() -> {
                client.bind("", "one").send(new Execute("", 0)).sync().flush();
                assertAnswered(client.readUntilReady());
            });

            System.out.printf("prepared SELECT 1: %,d bytes allocated on the event loops per transaction%n", perTransaction);
            assertTrue(perTransaction <= PREPARED_BUDGET, perTransaction + " bytes per transaction, budget " + PREPARED_BUDGET);
        }
    }

    private interface Transaction {
        void run() throws IOException;
    }

    /** Runs the warm-up, then the measured transactions; the event loops' allocation divided by the latter. */
    private static long allocatedPerTransaction(Transaction transaction) throws IOException {
        for (int i = 0; i < WARM_UP; i++) {
            transaction.run();
        }
        long before = eventLoopAllocatedBytes();
        for (int i = 0; i < MEASURED; i++) {
            transaction.run();
        }
        return (eventLoopAllocatedBytes() - before) / MEASURED;
    }

    private static void assertAnswered(List<Reply> replies) {
        Reply last = replies.get(replies.size() - 1);
        assertEquals('Z', last.typeChar(), RawClient.types(replies));
        assertEquals(List.of("1"), replies.get(replies.size() - 3).row(), RawClient.types(replies));
    }

    private static long eventLoopAllocatedBytes() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long total = 0;
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith("pgmux-loop")) {
                total += threads.getThreadAllocatedBytes(thread.getId());
            }
        }
        return total;
    }
}
