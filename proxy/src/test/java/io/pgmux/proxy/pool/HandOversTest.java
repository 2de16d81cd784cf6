package io.pgmux.proxy.pool;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hand-overs started inside hand-overs: run after the running one, in order, with constant stack. */
class HandOversTest {

    @Test
    void outsideAnyHandOverTheActionRunsWithinTheCall() {
        List<String> ran = new ArrayList<>();

        HandOvers.run(List::add, ran, "first");

        assertEquals(List.of("first"), ran);
    }

    @Test
    void aChainOfNestedHandOversRunsInOrderWithConstantStackDepth() {
        // given a hand-over that starts the next one, 100,000 times (as released servers pass down a queue of clients)
        int count = 100_000;
        Chain chain = new Chain(count);

        // when the first one runs
        HandOvers.run(Chain::step, chain, 0);

        // then every one ran, in order, at the depth of the first
        assertEquals(count, chain.ran);
        assertTrue(chain.maxDepth - chain.minDepth <= 2, "stack grew from " + chain.minDepth + " to " + chain.maxDepth + " frames");
    }

    @Test
    void aFailingHandOverDoesNotStopTheOnesQueuedAfterItAndItsFailureReachesTheOutermostCaller() {
        // given a hand-over that queues three more, of which the second throws
        List<Integer> ran = new ArrayList<>();
        IllegalStateException broken = new IllegalStateException("broken hand-over");
        BiConsumer<List<Integer>, Integer> record = (list, n) -> {
            list.add(n);
            if (n == 2) {
                throw broken;
            }
        };

        // when it runs
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> HandOvers.run((list, n) -> {
            list.add(n);
            HandOvers.run(record, list, 1);
            HandOvers.run(record, list, 2);
            HandOvers.run(record, list, 3);
        }, ran, 0));

        // then all ran, and the failure was thrown once they had
        assertSame(broken, thrown);
        assertEquals(List.of(0, 1, 2, 3), ran);

        // and the next hand-over on this thread is a direct call again
        HandOvers.run(List::add, ran, 4);
        assertEquals(List.of(0, 1, 2, 3, 4), ran);
    }

    private static final class Chain {
        final int count;
        int ran;
        int minDepth = Integer.MAX_VALUE;
        int maxDepth;

        Chain(int count) {
            this.count = count;
        }

        void step(int n) {
            assertEquals(ran, n, "ran out of order");
            ran++;
            int depth = StackWalker.getInstance().walk(frames -> (int) frames.count());
            minDepth = Math.min(minDepth, depth);
            maxDepth = Math.max(maxDepth, depth);
            if (n + 1 < count) {
                HandOvers.run(Chain::step, this, n + 1);
            }
        }
    }
}
