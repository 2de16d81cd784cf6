package io.pgmux.proxy.it;

import io.pgmux.protocol.message.Execute;
import io.pgmux.protocol.message.Parse;
import io.pgmux.proxy.net.Transport;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
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
    private static final int WARM_UP = 10_000;
    private static final int MEASURED = 10_000;

    /**
     * Each transport's budgets, bytes per transaction on the event loops. epoll is pgmux's own path:
     * simple 674 on 2026-12-07 with Netty's adaptive allocator and the server link built at each
     * assignment, 485 with the pooled allocator (net.Buffers), 150 with both and the link made once per
     * session; prepared (a named statement's Bind/Execute/Sync) 1,376, then 523 with the pooled allocator
     * and the server statement name's bytes cached, 211 with the link made once per session as well. A
     * loaded machine measured up to 1.5 times more, hence the room. io_uring adds Netty's own objects
     * for every operation it submits (a one-shot poll and a receive per read, a send per write: about six
     * per transaction here, 72 bytes each): on 2026-12-08 epoll measured 224-251 simple and 232-362 prepared, io_uring
     * 597-682 and 808-822 (a 10,000-transaction warm-up steadies both). Then the session's Waiting and Linked
     * states made once per session, the pool's release without a closure and its idle search without an
     * iterator: epoll 13-17 simple and 112-113 prepared, io_uring 286-475 and 683-689. The epoll budgets
     * allow a loaded machine's 1.5 times and little more: one more object per transaction breaks the
     * simple one, three the prepared one.
     */
    enum Budget {
        EPOLL("epoll", 40, 170),
        IO_URING("io_uring", 800, 1_060);

        final String transport;
        final long simple;
        final long prepared;

        Budget(String transport, long simple, long prepared) {
            this.transport = transport;
            this.simple = simple;
            this.prepared = prepared;
        }

        Pgmux start() {
            if (this == IO_URING) {
                Assumptions.assumeTrue(Transport.ioUringAvailable(), "io_uring is not available here");
            }
            Pgmux pgmux = fixture.start("pool_size: 2\ntransport: " + transport + "\n");
            assertEquals(transport, pgmux.server().transportName(), "the transport under test");
            return pgmux;
        }
    }

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().role(USER);
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

    @ParameterizedTest
    @EnumSource(Budget.class)
    void aSimpleSelectOneAllocatesLittleOnTheEventLoops(Budget budget) throws Exception {
        try (RawClient client = budget.start().raw(USER)) {
            long perTransaction = allocatedPerTransaction(() -> assertAnswered(client.query("SELECT 1")));

            System.out.printf("%s, simple SELECT 1: %,d bytes allocated on the event loops per transaction%n", budget.transport, perTransaction);
            assertTrue(perTransaction <= budget.simple, perTransaction + " bytes per transaction, budget " + budget.simple);
        }
    }

    @ParameterizedTest
    @EnumSource(Budget.class)
    void aPreparedSelectOneAllocatesLittleOnTheEventLoops(Budget budget) throws Exception {
        try (RawClient client = budget.start().raw(USER)) {
            client.send(new Parse("one", "SELECT 1", new int[0])).sync().flush();
            assertEquals("1Z", RawClient.types(client.readUntilReady()));

            long perTransaction = allocatedPerTransaction(() -> {
                client.bind("", "one").send(new Execute("", 0)).sync().flush();
                assertAnswered(client.readUntilReady());
            });

            System.out.printf("%s, prepared SELECT 1: %,d bytes allocated on the event loops per transaction%n", budget.transport, perTransaction);
            assertTrue(perTransaction <= budget.prepared, perTransaction + " bytes per transaction, budget " + budget.prepared);
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
