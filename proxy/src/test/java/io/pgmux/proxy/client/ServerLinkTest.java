package io.pgmux.proxy.client;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frontend;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.pgmux.protocol.TransactionStatus.FAILED;
import static io.pgmux.protocol.TransactionStatus.IDLE;
import static io.pgmux.protocol.TransactionStatus.IN_TRANSACTION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The release rule: a server goes back only when nothing is owed, nothing is unsynced, and the status is idle. */
class ServerLinkTest {
    private final ServerLink link = new ServerLink(null);

    @Test
    void freshLinkIsClean() {
        assertTrue(link.isClean());
        assertFalse(link.inTransaction());
    }

    @Test
    void queryIsOwedUntilItsReadyForQuery() {
        link.onClientMessage(Frontend.QUERY);
        assertFalse(link.isClean());

        assertTrue(link.onClientReady(IDLE));

        assertTrue(link.isClean());
    }

    @Test
    void pipelinedQueriesKeepTheServerUntilTheLastIsAnswered() {
        link.onClientMessage(Frontend.QUERY);
        link.onClientMessage(Frontend.QUERY);
        link.onClientMessage(Frontend.QUERY);

        assertTrue(link.onClientReady(IDLE));
        assertFalse(link.isClean(), "two answers still owed");
        assertTrue(link.onClientReady(IDLE));
        assertFalse(link.isClean(), "one answer still owed");
        assertTrue(link.onClientReady(IDLE));

        assertTrue(link.isClean());
    }

    @Test
    void extendedMessagesBeforeSyncKeepTheServerEvenWithNothingOwed() {
        for (byte type : new byte[] {Frontend.PARSE, Frontend.BIND, Frontend.DESCRIBE, Frontend.EXECUTE, Frontend.CLOSE}) {
            ServerLink fresh = new ServerLink(null);

            fresh.onClientMessage(type);

            assertFalse(fresh.isClean(), () -> "after " + (char) type);
            assertFalse(fresh.needsOnlyRollback(), () -> "after " + (char) type);
        }
    }

    @Test
    void syncEndsTheUnsyncedBatchAndIsOwedAReadyForQuery() {
        link.onClientMessage(Frontend.PARSE);
        link.onClientMessage(Frontend.BIND);
        link.onClientMessage(Frontend.EXECUTE);
        link.onClientMessage(Frontend.SYNC);
        assertFalse(link.isClean());

        assertTrue(link.onClientReady(IDLE));

        assertTrue(link.isClean());
    }

    @Test
    void pipelineOfSyncGroupsIsOwedOneReadyForQueryPerSync() {
        for (int i = 0; i < 3; i++) {
            link.onClientMessage(Frontend.PARSE);
            link.onClientMessage(Frontend.BIND);
            link.onClientMessage(Frontend.EXECUTE);
            link.onClientMessage(Frontend.SYNC);
        }

        assertTrue(link.onClientReady(IDLE));
        assertTrue(link.onClientReady(IDLE));
        assertFalse(link.isClean());
        assertTrue(link.onClientReady(IDLE));
        assertTrue(link.isClean());
    }

    @Test
    void extendedMessagesAfterTheLastSyncKeepTheServerWhenEarlierSyncsAreAnswered() {
        link.onClientMessage(Frontend.PARSE);
        link.onClientMessage(Frontend.SYNC);
        link.onClientMessage(Frontend.BIND);
        link.onClientMessage(Frontend.EXECUTE);

        assertTrue(link.onClientReady(IDLE));

        assertFalse(link.isClean(), "Bind and Execute wait for their Sync");
    }

    @Test
    void functionCallIsOwedAReadyForQuery() {
        link.onClientMessage(Frontend.FUNCTION_CALL);
        assertFalse(link.isClean());

        assertTrue(link.onClientReady(IDLE));

        assertTrue(link.isClean());
    }

    @Test
    void flushAsksForNothingNew() {
        link.onClientMessage(Frontend.PARSE);
        link.onClientMessage(Frontend.FLUSH);
        assertFalse(link.isClean(), "a Flush does not end the batch");

        ServerLink fresh = new ServerLink(null);
        fresh.onClientMessage(Frontend.FLUSH);
        assertTrue(fresh.isClean(), "a Flush alone owes nothing");
    }

    @Test
    void copyMessagesBelongToTheRunningCopyAndCountForNothing() {
        link.onClientMessage(Frontend.QUERY); // COPY ... FROM STDIN
        link.onClientMessage(Frontend.COPY_DATA);
        link.onClientMessage(Frontend.COPY_DATA);
        link.onClientMessage(Frontend.COPY_DONE);

        assertTrue(link.onClientReady(IDLE));

        assertTrue(link.isClean(), "one ReadyForQuery for the COPY's Query, none for its data");
        assertFalse(link.onClientReady(IDLE), "nothing more owed");
    }

    @Test
    void copyFailCountsForNothingEither() {
        link.onClientMessage(Frontend.QUERY);
        link.onClientMessage(Frontend.COPY_DATA);
        link.onClientMessage(Frontend.COPY_FAIL);

        assertTrue(link.onClientReady(IDLE));

        assertTrue(link.isClean());
    }

    @Test
    void copyMessagesDoNotEndAnUnsyncedBatch() {
        link.onClientMessage(Frontend.PARSE);
        link.onClientMessage(Frontend.BIND);
        link.onClientMessage(Frontend.EXECUTE); // COPY ... FROM STDIN via the extended protocol
        link.onClientMessage(Frontend.COPY_DATA);
        link.onClientMessage(Frontend.COPY_DONE);

        assertFalse(link.isClean(), "the batch still waits for its Sync");
    }

    @Test
    void simpleQueryCopyInKeepsTheServerUntilItsReadyForQuery() {
        link.onClientMessage(Frontend.QUERY);
        link.onServerMessage(Backend.COPY_IN_RESPONSE);
        link.onClientMessage(Frontend.COPY_DATA);
        link.onClientMessage(Frontend.COPY_DONE);
        assertFalse(link.isClean());

        assertTrue(link.onClientReady(IDLE));

        assertTrue(link.isClean());
    }

    @Test
    void syncSentRightAfterTheExecuteOfACopyInIsSwallowedByTheCopy() {
        // libpq: Parse/Bind/Describe/Execute/Sync, then CopyData, CopyDone, Sync: one ReadyForQuery in all
        link.onClientMessage(Frontend.PARSE);
        link.onClientMessage(Frontend.BIND);
        link.onClientMessage(Frontend.DESCRIBE);
        link.onClientMessage(Frontend.EXECUTE);
        link.onClientMessage(Frontend.SYNC);
        link.onServerMessage(Backend.COPY_IN_RESPONSE);
        assertFalse(link.isClean(), "the server is in COPY");
        assertFalse(link.needsOnlyRollback(), "the server is in COPY");

        link.onClientMessage(Frontend.COPY_DATA);
        link.onClientMessage(Frontend.COPY_DONE);
        assertFalse(link.isClean(), "the COPY's batch waits for its Sync");
        link.onClientMessage(Frontend.SYNC);

        assertTrue(link.onClientReady(IDLE));
        assertTrue(link.isClean());
        assertFalse(link.onClientReady(IDLE), "one ReadyForQuery for the two Syncs");
    }

    @Test
    void syncDuringCopyInIsIgnoredAsPostgresIgnoresIt() {
        link.onClientMessage(Frontend.QUERY);
        link.onServerMessage(Backend.COPY_IN_RESPONSE);
        link.onClientMessage(Frontend.SYNC);
        link.onClientMessage(Frontend.FLUSH);
        link.onClientMessage(Frontend.COPY_DONE);

        assertTrue(link.onClientReady(IDLE));

        assertTrue(link.isClean());
    }

    @Test
    void copyInOverTheExtendedProtocolWithoutAnEarlySyncCountsOneSync() {
        link.onClientMessage(Frontend.PARSE);
        link.onClientMessage(Frontend.BIND);
        link.onClientMessage(Frontend.EXECUTE);
        link.onClientMessage(Frontend.FLUSH);
        link.onServerMessage(Backend.COPY_IN_RESPONSE);
        link.onClientMessage(Frontend.COPY_DATA);
        link.onClientMessage(Frontend.COPY_DONE);
        link.onClientMessage(Frontend.SYNC);

        assertTrue(link.onClientReady(IDLE));

        assertTrue(link.isClean());
    }

    @Test
    void copyInPipelinedBlindlyIsCountedByWhereTheDataEnds() {
        // the client sent everything before the server's CopyInResponse arrived
        link.onClientMessage(Frontend.PARSE);
        link.onClientMessage(Frontend.BIND);
        link.onClientMessage(Frontend.EXECUTE);
        link.onClientMessage(Frontend.SYNC);
        link.onClientMessage(Frontend.COPY_DATA);
        link.onClientMessage(Frontend.COPY_DONE);
        link.onClientMessage(Frontend.SYNC);

        link.onServerMessage(Backend.COPY_IN_RESPONSE);

        assertFalse(link.isClean());
        assertTrue(link.onClientReady(IDLE));
        assertTrue(link.isClean());
    }

    @Test
    void copyInFailedByTheServerInTheExtendedProtocolWaitsForTheClientsSync() {
        link.onClientMessage(Frontend.PARSE);
        link.onClientMessage(Frontend.BIND);
        link.onClientMessage(Frontend.EXECUTE);
        link.onClientMessage(Frontend.SYNC);
        link.onServerMessage(Backend.COPY_IN_RESPONSE);
        link.onClientMessage(Frontend.COPY_DATA);

        link.onServerMessage(Backend.ERROR_RESPONSE);

        assertFalse(link.isClean(), "Postgres skips to the next Sync: the server is not reusable yet");
        link.onClientMessage(Frontend.COPY_DATA);
        link.onClientMessage(Frontend.COPY_DONE);
        link.onClientMessage(Frontend.SYNC);
        assertTrue(link.onClientReady(IDLE));
        assertTrue(link.isClean());
    }

    @Test
    void copyInFailedByTheServerInASimpleQueryEndsWithItsReadyForQuery() {
        link.onClientMessage(Frontend.QUERY);
        link.onServerMessage(Backend.COPY_IN_RESPONSE);
        link.onClientMessage(Frontend.COPY_DATA);

        link.onServerMessage(Backend.ERROR_RESPONSE);
        assertTrue(link.onClientReady(IDLE));

        assertTrue(link.isClean(), "the client's later CopyData is ignored by Postgres outside COPY");
    }

    @Test
    void copyOutDoesNotSwallowSyncs() {
        link.onClientMessage(Frontend.PARSE);
        link.onClientMessage(Frontend.BIND);
        link.onClientMessage(Frontend.EXECUTE);
        link.onClientMessage(Frontend.SYNC);
        link.onServerMessage(Backend.COPY_OUT_RESPONSE);
        link.onServerMessage(Backend.COPY_DATA);
        link.onServerMessage(Backend.COPY_DONE);
        link.onServerMessage(Backend.COMMAND_COMPLETE);
        assertFalse(link.isClean());

        assertTrue(link.onClientReady(IDLE));

        assertTrue(link.isClean());
    }

    @Test
    void openTransactionKeepsTheServer() {
        link.onClientMessage(Frontend.QUERY);
        link.onClientReady(IN_TRANSACTION);

        assertFalse(link.isClean());
        assertTrue(link.inTransaction());
        assertTrue(link.needsOnlyRollback());
        assertEquals(IN_TRANSACTION, link.status());

        link.onClientMessage(Frontend.QUERY);
        link.onClientReady(IDLE);
        assertTrue(link.isClean());
    }

    @Test
    void failedTransactionKeepsTheServer() {
        link.onClientMessage(Frontend.QUERY);
        link.onClientReady(FAILED);

        assertFalse(link.isClean());
        assertTrue(link.needsOnlyRollback());
    }

    @Test
    void rollbackAloneIsNotEnoughWhileAnswersAreOwed() {
        link.onClientMessage(Frontend.QUERY);
        link.onClientReady(IN_TRANSACTION);
        link.onClientMessage(Frontend.QUERY);

        assertFalse(link.needsOnlyRollback(), "a query is still running");
    }

    @Test
    void readyForQueryThatNobodyAskedForIsDetected() {
        assertFalse(link.onClientReady(IDLE));

        link.onClientMessage(Frontend.SYNC);
        assertTrue(link.onClientReady(IDLE));
        assertFalse(link.onClientReady(IDLE));
    }

    @Test
    void injectedQueriesAreAnsweredFirstAndInOrder() {
        InjectedQuery sync = InjectedQuery.parameterSync(new ParameterSync(Map.of("TimeZone", "UTC"), List.of()));
        InjectedQuery rollback = InjectedQuery.rollback();
        link.onInjectedQuery(sync);
        link.onInjectedQuery(rollback);
        link.onClientMessage(Frontend.QUERY);
        assertFalse(link.isClean());

        assertSame(sync, link.currentInjected());
        assertSame(sync, link.completeInjected(IDLE));
        assertSame(rollback, link.currentInjected());
        assertSame(rollback, link.completeInjected(IDLE));
        assertNull(link.currentInjected(), "the next ReadyForQuery is the client's");
        assertFalse(link.isClean(), "the client's query is still owed");

        assertTrue(link.onClientReady(IDLE));
        assertTrue(link.isClean());
    }

    @Test
    void injectedQueryInFlightKeepsTheServer() {
        link.onInjectedQuery(InjectedQuery.rollback());

        assertFalse(link.isClean());
        assertFalse(link.needsOnlyRollback());

        link.completeInjected(IDLE);
        assertTrue(link.isClean());
    }

    @Test
    void statusOfAnInjectedQueryCounts() {
        link.onClientMessage(Frontend.QUERY);
        link.onClientReady(IN_TRANSACTION);
        link.onInjectedQuery(InjectedQuery.rollback());

        link.completeInjected(IDLE);

        assertEquals(IDLE, link.status());
        assertTrue(link.isClean());
    }
}
