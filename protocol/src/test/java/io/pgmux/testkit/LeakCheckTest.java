package io.pgmux.testkit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.container;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.pgmux.testkit.LeakCheck.Leak;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

class LeakCheckTest {

    private static final String RUN_LEAKY_TESTS = "pgmux.testkit.runLeakyTests";

    @Test
    void recordsABufferThatWasNeverReleased() {
        // given a buffer dropped without release() (Netty tracks direct and pooled buffers only:
        // an unpooled heap buffer is plain garbage-collected memory)
        leakAnUnpooledDirectBuffer();

        // when the leaks are collected
        List<Leak> leaks = LeakCheck.collectLeaks();

        // then the leak is there, with the method that allocated it (and collecting forgot it)
        assertTrue(leaks.stream().anyMatch(leak -> leak.records().contains("leakAnUnpooledDirectBuffer")),
                () -> "expected a leak allocated in leakAnUnpooledDirectBuffer, got " + leaks);
        assertTrue(LeakCheck.collectLeaks().isEmpty(), "collected leaks are forgotten");
    }

    @Test
    void recordsAPooledBufferThatWasNeverReleased() {
        leakAPooledBuffer();

        List<Leak> leaks = LeakCheck.collectLeaks();

        assertTrue(leaks.stream().anyMatch(leak -> leak.records().contains("leakAPooledBuffer")),
                () -> "expected a leak allocated in leakAPooledBuffer, got " + leaks);
    }

    @Test
    void releasedBuffersAreNotLeaks() {
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        buf.writeLong(42);
        buf.release();

        assertTrue(LeakCheck.collectLeaks().isEmpty());
    }

    @Test
    void failsTheTestClassThatLeaked() {
        // given a test class whose only test passes but leaks a buffer
        System.setProperty(RUN_LEAKY_TESTS, "true");
        EngineExecutionResults results;
        try {
            // when JUnit runs it with auto-detected extensions, as the build does
            results = EngineTestKit.engine("junit-jupiter")
                    .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "true")
                    .selectors(selectClass(LeakyTests.class))
                    .execute();
        } finally {
            System.clearProperty(RUN_LEAKY_TESTS);
        }

        // then the test passed and its class failed, naming where the buffer was allocated
        results.testEvents().assertStatistics(stats -> stats.succeeded(1).failed(0));
        results.containerEvents().assertThatEvents().haveExactly(1, event(
                container(LeakyTests.class),
                finishedWithFailure(
                        instanceOf(AssertionError.class),
                        message(m -> m.contains("Netty resource leak") && m.contains("LeakyTests.dropsABuffer")))));
        assertTrue(LeakCheck.collectLeaks().isEmpty(), "the failing class consumed its leak");
    }

    private static void leakAnUnpooledDirectBuffer() {
        Unpooled.directBuffer(16).writeInt(1);
    }

    private static void leakAPooledBuffer() {
        PooledByteBufAllocator.DEFAULT.directBuffer(16).writeInt(1);
    }

    /** Runs only inside {@link #failsTheTestClassThatLeaked()}; surefire skips nested classes. */
    @EnabledIfSystemProperty(named = RUN_LEAKY_TESTS, matches = "true")
    static class LeakyTests {
        @Test
        void dropsABuffer() {
            Unpooled.directBuffer(32).writeLong(7);
        }
    }
}
