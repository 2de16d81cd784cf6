package io.pgmux.proxy.client;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ring of expected replies: FIFO order, per-entry columns, growth across the wrap. */
class ReplyQueueTest {

    @Test
    void entriesComeOutInTheOrderTheyWentIn() {
        ReplyQueue queue = new ReplyQueue();
        ReplyQueue.Attachment attachment = new NamedStatements.DiscardAll(3);
        queue.push(ReplyQueue.PARSE, 0, 0, null);
        queue.push(ReplyQueue.BIND, ReplyQueue.SWALLOW, 7, attachment);
        queue.push(ReplyQueue.SYNC, 0, 42, null);

        assertEquals(3, queue.size());
        assertEquals(ReplyQueue.PARSE, queue.headKind());
        assertFalse(queue.headSwallowed());
        queue.pop();
        assertEquals(ReplyQueue.BIND, queue.headKind());
        assertTrue(queue.headSwallowed());
        assertEquals(7, queue.headNumber());
        assertEquals(attachment, queue.headAttachment());
        queue.pop();
        assertEquals(ReplyQueue.SYNC, queue.headKind());
        assertEquals(42, queue.headNumber());
        queue.pop();
        assertTrue(queue.isEmpty());
    }

    @Test
    void progressIsMarkedWhenTheQueueStartsOwingAndWhenASyncOrQueryIsAnswered() throws InterruptedException {
        ReplyQueue queue = new ReplyQueue();
        long created = queue.progressAtNanos();

        Thread.sleep(2);
        queue.push(ReplyQueue.QUERY, 0, 0, null);
        long started = queue.progressAtNanos();
        queue.push(ReplyQueue.PARSE, 0, 0, null); // pushed while owing: the server has not moved
        queue.push(ReplyQueue.SYNC, 0, 0, null);
        assertTrue(started > created);
        assertEquals(started, queue.progressAtNanos());

        Thread.sleep(2);
        queue.pop(); // the Query answered
        long answered = queue.progressAtNanos();
        assertTrue(answered > started);
        Thread.sleep(2);
        queue.pop(); // a ParseComplete: still working on the same Sync segment
        assertEquals(answered, queue.progressAtNanos());
    }

    @Test
    void growsWhileWrappedAroundWithoutLosingOrder() {
        ReplyQueue queue = new ReplyQueue();
        // move the head into the middle of the initial ring, so that the entries wrap around
        for (int i = 0; i < 5; i++) {
            queue.push(ReplyQueue.EXECUTE, 0, -1, null);
            queue.pop();
        }
        int count = 100;
        for (int i = 0; i < count; i++) {
            queue.push(i % 2 == 0 ? ReplyQueue.PARSE : ReplyQueue.CLOSE, i % 3 == 0 ? ReplyQueue.SWALLOW : 0, i, new NamedStatements.DiscardAll(i));
        }
        assertEquals(count, queue.size());
        for (int i = 0; i < count; i++) {
            assertEquals(i % 2 == 0 ? ReplyQueue.PARSE : ReplyQueue.CLOSE, queue.headKind(), "entry " + i);
            assertEquals(i % 3 == 0, queue.headSwallowed(), "entry " + i);
            assertEquals(i, queue.headNumber());
            assertEquals(new NamedStatements.DiscardAll(i), queue.headAttachment());
            queue.pop();
        }
        assertTrue(queue.isEmpty());
    }

    @Test
    void interleavedPushesAndPopsAcrossManyGrowths() {
        ReplyQueue queue = new ReplyQueue();
        long next = 0;
        long expected = 0;
        for (int round = 0; round < 50; round++) {
            for (int i = 0; i < round + 3; i++) {
                queue.push(ReplyQueue.QUERY, 0, next++, null);
            }
            for (int i = 0; i < round + 1; i++) {
                assertEquals(expected++, queue.headNumber());
                queue.pop();
            }
        }
        while (!queue.isEmpty()) {
            assertEquals(expected++, queue.headNumber());
            queue.pop();
        }
        assertEquals(next, expected);
    }

    @Test
    void clearForgetsEveryEntryAndTheStatementChangesItCounted() {
        ReplyQueue queue = new ReplyQueue();
        queue.push(ReplyQueue.PARSE, 0, 1, new NamedStatements.DiscardAll(1));
        queue.push(ReplyQueue.SYNC, 0, 2, null);
        assertEquals(1, queue.statementChanges());

        queue.clear();

        assertTrue(queue.isEmpty());
        assertEquals(0, queue.statementChanges());
        queue.push(ReplyQueue.QUERY, 0, 3, null);
        assertEquals(ReplyQueue.QUERY, queue.headKind());
        assertEquals(3, queue.headNumber());
    }

    @Test
    void aCopyDropsTheSyncsBeforeTheClientsCopyEndAndKeepsTheOthers() {
        ReplyQueue queue = new ReplyQueue();
        queue.push(ReplyQueue.EXECUTE, 0, 1, null);
        queue.push(ReplyQueue.SYNC, 0, 2, null);
        queue.push(ReplyQueue.COPY_END, 0, 3, null);
        queue.push(ReplyQueue.SYNC, 0, 4, null);

        assertTrue(queue.dropSyncsBeforeCopyEnd());

        assertEquals(3, queue.size());
        assertEquals(1, queue.headNumber());
        queue.pop();
        assertEquals(ReplyQueue.COPY_END, queue.headKind());
        queue.pop();
        assertEquals(ReplyQueue.SYNC, queue.headKind());
        assertEquals(4, queue.headNumber());
    }

    @Test
    void aCopyWhoseDataIsStillComingDropsEverySyncAfterIt() {
        ReplyQueue queue = new ReplyQueue();
        queue.push(ReplyQueue.EXECUTE, 0, 1, null);
        queue.push(ReplyQueue.SYNC, 0, 2, null);

        assertFalse(queue.dropSyncsBeforeCopyEnd());

        assertEquals(1, queue.size());
    }

    @Test
    void aTransactionRunsFromTheFirstRequestUntilTheServerIsIdleWithNothingMoreOwed() throws InterruptedException {
        ReplyQueue queue = new ReplyQueue();
        assertEquals(ReplyQueue.NOT_IN_TRANSACTION, queue.transactionSinceNanos());

        // BEGIN, then a statement in the same transaction: the transaction began with the first
        queue.push(ReplyQueue.QUERY, 0, 0, null);
        long began = queue.transactionSinceNanos();
        queue.pop();
        Thread.sleep(2);
        queue.push(ReplyQueue.QUERY, 0, 0, null);
        assertEquals(began, queue.transactionSinceNanos());

        // COMMIT answered ('I') with a pipelined request still owed: that one is a new transaction, begun now
        queue.push(ReplyQueue.QUERY, 0, 0, null);
        queue.pop();
        Thread.sleep(2);
        queue.serverIdle();
        assertTrue(queue.transactionSinceNanos() > began);

        // the last one answered ('I') with nothing owed: no transaction
        queue.pop();
        queue.serverIdle();
        assertEquals(ReplyQueue.NOT_IN_TRANSACTION, queue.transactionSinceNanos());
    }
}
