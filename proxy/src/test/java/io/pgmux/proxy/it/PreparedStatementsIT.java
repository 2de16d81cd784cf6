package io.pgmux.proxy.it;

import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Query;
import io.pgmux.protocol.message.Parse;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;

import static io.pgmux.proxy.it.PreparedProtocol.assertUnknownStatement;
import static io.pgmux.proxy.it.PreparedProtocol.bind;
import static io.pgmux.proxy.it.PreparedProtocol.closeStatement;
import static io.pgmux.proxy.it.PreparedProtocol.describeStatement;
import static io.pgmux.proxy.it.PreparedProtocol.execute;
import static io.pgmux.proxy.it.PreparedProtocol.holdServer;
import static io.pgmux.proxy.it.PreparedProtocol.ok;
import static io.pgmux.proxy.it.PreparedProtocol.parse;
import static io.pgmux.proxy.it.PreparedProtocol.prepare;
import static io.pgmux.proxy.it.PreparedProtocol.run;
import static io.pgmux.proxy.it.PreparedProtocol.sqlState;
import static io.pgmux.proxy.it.PreparedProtocol.statementsOfHeldServer;
import static io.pgmux.proxy.it.PreparedProtocol.statementsOfItsServer;
import static io.pgmux.proxy.it.PreparedProtocol.types;
import static io.pgmux.proxy.it.PreparedProtocol.value;
import static io.pgmux.proxy.it.PreparedProtocol.values;
import static io.pgmux.proxy.testing.TestSql.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Named prepared statements in rewrite mode, at the protocol level: client names work whatever
 * server the client holds, and every reply (forwarded, synthetic or swallowed) comes in the order
 * Postgres would send it, including in pipelines and after errors.
 */
class PreparedStatementsIT {
    private static final String USER = "prep_user";
    private static final String PLUS_ONE = "SELECT $1::int + 1";
    private static final String SHOUT = "SELECT $1::text || '!'";
    /** Fails in Execute (a division by zero the planner cannot fold), not in Bind. */
    private static final String DIVIDE = "SELECT 1 / g FROM generate_series($1::int, $1::int) g";
    private static final String BACKEND_PID = "SELECT pg_backend_pid()::text";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux()
            .role(USER)
            .sql("DROP SCHEMA IF EXISTS prep_sp_a CASCADE; DROP SCHEMA IF EXISTS prep_sp_b CASCADE;"
                    + " CREATE SCHEMA prep_sp_a; CREATE SCHEMA prep_sp_b;"
                    + " CREATE TABLE prep_sp_a.prep_t (v text); INSERT INTO prep_sp_a.prep_t VALUES ('from schema a');"
                    + " CREATE TABLE prep_sp_b.prep_t (v text); INSERT INTO prep_sp_b.prep_t VALUES ('from schema b');"
                    + " GRANT USAGE ON SCHEMA prep_sp_a, prep_sp_b TO " + USER + ";"
                    + " GRANT SELECT ON prep_sp_a.prep_t, prep_sp_b.prep_t TO " + USER + ";"
                    + " DROP TABLE IF EXISTS prep_gone; CREATE TABLE prep_gone (v int); INSERT INTO prep_gone VALUES (7);"
                    + " ALTER TABLE prep_gone OWNER TO " + USER);
    private Pgmux pgmux;

    private Pgmux start(int poolSize) {
        pgmux = fixture.start("pool_size: " + poolSize + "\nquery_wait_timeout: 20s\n");
        return pgmux;
    }

    /*
     * Found by the fuzzer: the DEALLOCATE waits until the server owes nothing, but Postgres holds
     * the ParseComplete back until a Flush or Sync, and the client's Sync came after the DEALLOCATE:
     * both waited for ever, and the client held its server. pgmux now flushes when it holds a message back.
     */
    @Test
    void aDeallocateBehindAnUnsyncedParseIsAnsweredInOrder() throws Exception {
        start(1);
        try (RawClient client = pgmux.raw(USER)) {
            client.send(new Parse("", "SELECT 1", new int[0])).send(new Query("DEALLOCATE ALL")).sync().flush();

            assertEquals("1CZZ", RawClient.types(client.readUntilReady(2)));
            assertEquals("TDCZ", RawClient.types(client.query("SELECT 1")));
        }
    }

    @Test
    void statementPreparedOnOneServerRunsOnAnother() throws Exception {
        start(2);
        try (RawClient client = pgmux.raw(USER); RawClient holderA = pgmux.raw(USER); RawClient holderB = pgmux.raw(USER)) {
            // given: server A is held by another client, so the client prepares on server B
            String serverA = holdServer(holderA);
            client.send(parse("plus", PLUS_ONE)).send(bind("plus", "41")).send(execute())
                    .send(parse("", BACKEND_PID)).send(bind("")).send(execute()).sync().flush();
            List<Reply> prepared = client.readUntilReady();
            assertEquals("12DC12DCZ", types(prepared));
            assertEquals("42", values(prepared).get(0));
            String serverB = values(prepared).get(1);
            assertNotEquals(serverA, serverB);

            // when: B is taken by another client and A is free, the client binds its statement again
            assertEquals(serverB, holdServer(holderB));
            ok(holderA, "COMMIT");
            client.send(bind("plus", "1")).send(execute()).send(parse("", BACKEND_PID)).send(bind("")).send(execute()).sync().flush();
            List<Reply> again = client.readUntilReady();

            // then: it runs on A, which was given the statement first (its ParseComplete swallowed)
            assertEquals("2DC12DCZ", types(again));
            assertEquals(List.of("2", serverA), values(again));
            // and both servers hold it under the same content-derived name, not the client's
            assertEquals(serverA, holdServer(holderA));
            List<String> onA = statementsOfHeldServer(holderA);
            assertEquals(1, onA.size(), "A holds one statement: " + onA);
            assertTrue(onA.get(0).startsWith("pgmux_"), onA.get(0));
            assertEquals(onA, statementsOfHeldServer(holderB));
        }
    }

    @Test
    void describeOfAStatementTheServerLacksPreparesItFirst() throws Exception {
        start(2);
        try (RawClient client = pgmux.raw(USER); RawClient holderA = pgmux.raw(USER); RawClient holderB = pgmux.raw(USER)) {
            // given: the client prepared "plus" on server B only
            String serverA = holdServer(holderA);
            prepare(client, "plus", PLUS_ONE);
            holdServer(holderB);
            ok(holderA, "COMMIT");
            assertEquals(1, statementsOfHeldServer(holderB).size(), "B holds the statement");

            // when: it describes the statement while holding A
            client.send(describeStatement("plus")).send(parse("", BACKEND_PID)).send(bind("")).send(execute()).sync().flush();
            List<Reply> described = client.readUntilReady();

            // then: the client sees only the Describe's replies, and A now holds the statement
            assertEquals("tT12DCZ", types(described));
            assertEquals(List.of(serverA), values(described));
            assertEquals(serverA, holdServer(holderA));
            assertEquals(1, statementsOfHeldServer(holderA).size());
        }
    }

    @Test
    void parseOfAStatementTheServerHoldsIsAnsweredAtItsPlaceInThePipeline() throws Exception {
        start(1);
        try (RawClient first = pgmux.raw(USER); RawClient second = pgmux.raw(USER)) {
            // given: the only server holds SHOUT, prepared by another client
            prepare(first, "shout", SHOUT);

            // when: a pipeline mixes forwarded messages with a Parse and a Close pgmux answers itself
            second.send(parse("", "SELECT 'first'")).send(parse("mine", SHOUT)).send(closeStatement("never_prepared"))
                    .send(bind("")).send(execute()).send(bind("mine", "x")).send(execute())
                    .send(parse("", "SELECT count(*)::text FROM pg_prepared_statements")).send(bind("")).send(execute())
                    .sync().flush();
            List<Reply> replies = second.readUntilReady();

            // then: every reply is where Postgres would put it, and the server prepared SHOUT once
            assertEquals("1132DC2DC12DCZ", types(replies));
            assertEquals(List.of("first", "x!", "1"), values(replies));
        }
    }

    @Test
    void pipelineWithSeveralSyncsGetsEveryReplyInOrder() throws Exception {
        start(2);
        try (RawClient client = pgmux.raw(USER)) {
            // when: three sync points in one write
            client.send(parse("a", PLUS_ONE)).send(bind("a", "1")).send(execute()).sync()
                    .send(parse("b", SHOUT)).send(describeStatement("b")).send(bind("b", "hey")).send(execute()).sync()
                    .send(bind("a", "10")).send(execute()).send(closeStatement("a")).send(closeStatement("b")).sync()
                    .flush();
            List<Reply> replies = client.readUntilReady(3);

            // then
            assertEquals("12DCZ1tT2DCZ2DC33Z", types(replies));
            assertEquals(List.of("2", "hey!", "11"), values(replies));
            // and the closed names are gone
            assertUnknownStatement(client, "a", "1");
        }
    }

    @Test
    void repliesPgmuxWouldMakeForMessagesSkippedAfterAnErrorNeverAppear() throws Exception {
        start(1);
        try (RawClient client = pgmux.raw(USER)) {
            // given: the server already holds SHOUT (so a Parse of it would be answered by pgmux)
            prepare(client, "known", SHOUT);

            // when: an Execute fails before a Parse and a Close pgmux would answer; then a second sync point
            client.send(parse("divide", DIVIDE)).send(bind("divide", "0")).send(execute())
                    .send(parse("skipped", SHOUT)).send(closeStatement("other")).send(bind("known", "no")).send(execute())
                    .sync()
                    .send(parse("after", SHOUT)).send(closeStatement("other")).send(bind("after", "yes")).send(execute())
                    .sync().flush();
            List<Reply> replies = client.readUntilReady(2);

            // then: nothing between the error and the Sync; everything after the Sync
            assertEquals("12EZ132DCZ", types(replies));
            assertEquals("22012", PreparedProtocol.error(replies).sqlState());
            assertEquals(List.of("yes!"), values(replies));
        }
    }

    @Test
    void parseSkippedAfterAnErrorLeavesNoName() throws Exception {
        start(1);
        try (RawClient client = pgmux.raw(USER)) {
            // given: the server holds SHOUT
            prepare(client, "known", SHOUT);

            // when: a Parse of SHOUT under a new name comes after a failing message
            client.send(parse("", DIVIDE)).send(bind("", "0")).send(execute()).send(parse("skipped", SHOUT)).sync().flush();
            assertEquals("12EZ", types(client.readUntilReady()));

            // then: as in Postgres, the skipped Parse created nothing: the name is unknown, and free
            assertUnknownStatement(client, "skipped", "x");
            client.send(parse("skipped", PLUS_ONE)).send(bind("skipped", "1")).send(execute()).sync().flush();
            assertEquals(List.of("2"), values(client.readUntilReady()));
        }
    }

    @Test
    void secondNameForATextThatFailsInTheSamePipelineLeavesNoName() throws Exception {
        start(1);
        try (RawClient client = pgmux.raw(USER)) {
            // when: two names for one text the server rejects, before one Sync
            client.send(parse("first", "SELEC 'x'")).send(parse("second", "SELEC 'x'")).sync().flush();
            List<Reply> failed = client.readUntilReady();

            // then: one error, and neither name exists
            assertEquals("EZ", types(failed));
            assertEquals("42601", sqlState(failed));
            assertUnknownStatement(client, "first");
            assertUnknownStatement(client, "second");
        }
    }

    @Test
    void sameRejectedTextParsedAgainAfterTheFailedSyncFailsAgain() throws Exception {
        start(1);
        try (RawClient client = pgmux.raw(USER)) {
            // when: the same invalid text under two names, each with its Sync, in one write
            client.send(parse("first", "SELEC 'x'")).sync().send(parse("second", "SELEC 'x'")).sync().flush();
            List<Reply> replies = client.readUntilReady(2);

            // then: as in Postgres, both Parses fail
            assertEquals("EZEZ", types(replies));
        }
    }

    @Test
    void closeSkippedAfterAnErrorKeepsTheStatement() throws Exception {
        start(1);
        try (RawClient client = pgmux.raw(USER)) {
            // given
            prepare(client, "kept", SHOUT);

            // when: its Close comes after a failing message
            client.send(parse("", DIVIDE)).send(bind("", "0")).send(execute()).send(closeStatement("kept")).sync().flush();
            assertEquals("12EZ", types(client.readUntilReady()));

            // then: as in Postgres, the statement is still there
            List<Reply> replies = run(client, "kept", "still");
            assertEquals("2DCZ", types(replies));
            assertEquals(List.of("still!"), values(replies));
        }
    }

    @Test
    void failedParseLeavesNoNameBehind() throws Exception {
        start(2);
        try (RawClient client = pgmux.raw(USER)) {
            // when
            client.send(parse("typo", "SELEC 1")).sync().flush();
            List<Reply> failed = client.readUntilReady();

            // then: the syntax error, the name unknown, and a new Parse under it works
            assertEquals("EZ", types(failed));
            assertEquals("42601", sqlState(failed));
            assertUnknownStatement(client, "typo");
            client.send(parse("typo", "SELECT 'fixed'")).send(bind("typo")).send(execute()).sync().flush();
            List<Reply> fixed = client.readUntilReady();
            assertEquals("12DCZ", types(fixed));
            assertEquals(List.of("fixed"), values(fixed));
        }
    }

    @Test
    void failedParseThenReParseOfTheSameNameInOnePipeline() throws Exception {
        start(2);
        try (RawClient client = pgmux.raw(USER)) {
            // when: the retry is pipelined behind the failing Parse's Sync
            client.send(parse("retry", "SELEC 1")).sync()
                    .send(parse("retry", "SELECT 'second try'")).send(bind("retry")).send(execute()).sync().flush();
            List<Reply> replies = client.readUntilReady(2);

            // then: as in Postgres, the first Parse left no name, so the second one works
            assertEquals("EZ12DCZ", types(replies));
            assertEquals("42601", sqlState(replies));
            assertEquals(List.of("second try"), values(replies));
        }
    }

    @Test
    void reusingALiveNameIsDuplicatePreparedStatementAndTheConnectionGoesOn() throws Exception {
        start(2);
        try (RawClient client = pgmux.raw(USER)) {
            // given
            prepare(client, "dup", PLUS_ONE);

            // when: the same name again, with other text and with the same text (no server held)
            client.send(parse("dup", SHOUT)).send(bind("dup", "x")).send(execute()).sync().flush();
            List<Reply> other = client.readUntilReady();
            client.send(parse("dup", PLUS_ONE)).sync().flush();
            List<Reply> same = client.readUntilReady();

            // then: 42P05, as Postgres, and the statement is unchanged
            assertEquals("EZ", types(other));
            ErrorResponse error = PreparedProtocol.error(other);
            assertEquals("42P05", error.sqlState());
            assertEquals("prepared statement \"dup\" already exists", error.message());
            assertEquals("EZ", types(same));
            assertEquals("42P05", sqlState(same));
            assertEquals(List.of("6"), values(run(client, "dup", "5")));

            // when: in a transaction, in the middle of a pipeline that holds a server
            ok(client, "BEGIN");
            client.send(parse("", "SELECT 'before'")).send(bind("")).send(execute())
                    .send(parse("dup", SHOUT)).send(bind("dup", "x")).send(execute()).sync().flush();
            List<Reply> inTransaction = client.readUntilReady();

            // then: the error is where the Parse was, and it fails the transaction as in Postgres
            assertEquals("12DCEZ", types(inTransaction));
            assertEquals("42P05", sqlState(inTransaction));
            assertEquals(TransactionStatus.FAILED, status(inTransaction));
            assertEquals(TransactionStatus.IDLE, status(client.query("ROLLBACK")));
            assertEquals(List.of("8"), values(run(client, "dup", "7")));
        }
    }

    @Test
    void parseInAFailedTransactionFailsAndLeavesNoName() throws Exception {
        start(1);
        try (RawClient client = pgmux.raw(USER)) {
            // given: the server holds PLUS_ONE, and the client's transaction failed
            prepare(client, "first", PLUS_ONE);
            ok(client, "BEGIN");
            assertEquals("22012", sqlState(client.query("SELECT 1 / 0")));

            // when
            client.send(parse("second", PLUS_ONE)).sync().flush();
            List<Reply> replies = client.readUntilReady();

            // then: as in Postgres, 25P02, and after the rollback the name is free
            assertEquals("EZ", types(replies));
            assertEquals("25P02", sqlState(replies));
            ok(client, "ROLLBACK");
            client.send(parse("second", SHOUT)).send(bind("second", "free")).send(execute()).sync().flush();
            assertEquals(List.of("free!"), values(client.readUntilReady()));
        }
    }

    @Test
    void bindOrDescribeOfAnUnknownNameIsInvalidStatementNameAndTheConnectionGoesOn() throws Exception {
        start(2);
        try (RawClient client = pgmux.raw(USER)) {
            // when
            List<Reply> bound = run(client, "nosuch", "1");
            client.send(describeStatement("nosuch")).sync().flush();
            List<Reply> described = client.readUntilReady();

            // then
            assertEquals("EZ", types(bound));
            assertEquals("26000", sqlState(bound));
            assertEquals("EZ", types(described));
            assertEquals("26000", sqlState(described));
            assertEquals("ok", value(client, "SELECT 'ok'"));
        }
    }

    @Test
    void closeThenReParseOfTheSameName() throws Exception {
        start(2);
        try (RawClient client = pgmux.raw(USER)) {
            // given
            prepare(client, "name", PLUS_ONE);

            // when: Close, then Parse of other text under the name, in separate batches
            client.send(closeStatement("name")).sync().flush();
            assertEquals("3Z", types(client.readUntilReady()));
            client.send(parse("name", SHOUT)).send(bind("name", "two")).send(execute()).sync().flush();
            List<Reply> second = client.readUntilReady();

            // then
            assertEquals("12DCZ", types(second));
            assertEquals(List.of("two!"), values(second));

            // when: Close and Parse in one pipeline
            client.send(closeStatement("name")).send(parse("name", "SELECT 'three'")).send(bind("name")).send(execute())
                    .sync().flush();
            List<Reply> third = client.readUntilReady();

            // then
            assertEquals("312DCZ", types(third));
            assertEquals(List.of("three"), values(third));
        }
    }

    @Test
    void pipelinedDeallocateAllForgetsOnlyWhatWasPreparedBeforeIt() throws Exception {
        start(2);
        try (RawClient client = pgmux.raw(USER)) {
            // when: Parse a, DEALLOCATE ALL, Parse b, in one write
            client.send(parse("before", PLUS_ONE)).sync().send(new Query("DEALLOCATE ALL"))
                    .send(parse("after", SHOUT)).sync().flush();
            List<Reply> replies = client.readUntilReady(3);

            // then
            assertEquals("1ZCZ1Z", types(replies));
            assertEquals("DEALLOCATE ALL", replies.get(2).tag());
            assertUnknownStatement(client, "before", "1");
            assertEquals(List.of("kept!"), values(run(client, "after", "kept")));
        }
    }

    @Test
    void pipelinedDeallocateThenParseOfTheSameNameTakesTheNewText() throws Exception {
        start(2);
        try (RawClient client = pgmux.raw(USER)) {
            // given
            prepare(client, "name", PLUS_ONE);

            // when: DEALLOCATE and a new Parse under the name, in one write
            client.send(new Query("DEALLOCATE name")).send(parse("name", SHOUT)).send(bind("name", "new")).send(execute())
                    .sync().flush();
            List<Reply> replies = client.readUntilReady(2);

            // then
            assertEquals("CZ12DCZ", types(replies));
            assertEquals(List.of("new!"), values(replies));
        }
    }

    @Test
    void pipelinedDiscardAllForgetsOnlyWhatWasPreparedBeforeIt() throws Exception {
        start(1);
        try (RawClient client = pgmux.raw(USER)) {
            // given: the server holds two statements of the client
            client.send(parse("before", PLUS_ONE)).send(parse("known", SHOUT)).sync().flush();
            assertEquals("11Z", types(client.readUntilReady()));

            // when: DISCARD ALL, then a Parse of a text the server held, in one write
            client.send(new Query("DISCARD ALL")).send(parse("after", SHOUT)).send(bind("after", "x")).send(execute()).sync().flush();
            List<Reply> replies = client.readUntilReady(2);

            // then: as in Postgres, the new statement works; only the older names are gone
            assertEquals("CZ12DCZ", types(replies));
            assertEquals(List.of("x!"), values(replies));
            assertEquals(List.of("y!"), values(run(client, "after", "y")));
            assertUnknownStatement(client, "before", "1");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"DEALLOCATE mine", "DEALLOCATE ALL"})
    void deallocateSentThroughTheExtendedProtocolForgetsTheClientsName(String deallocate) throws Exception {
        start(1);
        try (RawClient client = pgmux.raw(USER)) {
            // given
            prepare(client, "mine", PLUS_ONE);

            // when: DEALLOCATE as libpq's PQsendQueryParams sends it
            client.send(parse("", deallocate)).send(bind("")).send(execute()).sync().flush();
            List<Reply> replies = client.readUntilReady();

            // then: as in Postgres, the name is unknown, and free again
            assertEquals("12CZ", types(replies), replies.toString());
            assertUnknownStatement(client, "mine", "1");
            client.send(parse("mine", SHOUT)).send(bind("mine", "again")).send(execute()).sync().flush();
            List<Reply> again = client.readUntilReady();
            assertEquals("12DCZ", types(again), again.toString());
        }
    }

    @Test
    void sqlDeallocateActsOnTheClientsOwnNames() throws Exception {
        start(1);
        try (RawClient client = pgmux.raw(USER); RawClient other = pgmux.raw(USER)) {
            // given: three names, and another client with the same text as one of them
            client.send(parse("plain", PLUS_ONE)).send(parse("MixedCase", SHOUT)).send(parse("last", "SELECT 'last'"))
                    .sync().flush();
            assertEquals("111Z", types(client.readUntilReady()));
            prepare(other, "theirs", PLUS_ONE);

            // when / then: DEALLOCATE name, DEALLOCATE PREPARE "quoted", case folding as Postgres
            List<Reply> plain = client.query("DEALLOCATE plain");
            assertEquals("CZ", types(plain));
            assertEquals("DEALLOCATE", plain.get(0).tag());
            assertUnknownStatement(client, "plain", "1");
            assertEquals("26000", sqlState(client.query("deallocate MixedCase")), "unquoted names fold to lower case");
            assertEquals("CZ", types(client.query("  deallocate prepare \"MixedCase\" ;")));
            assertUnknownStatement(client, "MixedCase", "x");
            assertEquals("26000", sqlState(client.query("DEALLOCATE plain")), "already gone");

            // and inside a transaction (holding a server)
            ok(client, "BEGIN");
            List<Reply> inTransaction = client.query("DEALLOCATE ALL");
            assertEquals("CZ", types(inTransaction));
            assertEquals(TransactionStatus.IN_TRANSACTION, status(inTransaction));
            ok(client, "COMMIT");
            assertUnknownStatement(client, "last");

            // and the other client's statement of the same text is untouched, on the server too
            assertEquals(List.of("2"), values(run(other, "theirs", "1")));
            assertEquals(3, statementsOfItsServer(other).size(), "the server keeps what it prepared");
        }
    }

    @Test
    void deallocateInAFailedTransactionKeepsTheStatement() throws Exception {
        start(1);
        try (RawClient client = pgmux.raw(USER)) {
            // given: a statement, and a transaction that failed
            prepare(client, "kept", PLUS_ONE);
            ok(client, "BEGIN");
            assertEquals("22012", sqlState(client.query("SELECT 1 / 0")));

            // when
            List<Reply> deallocate = client.query("DEALLOCATE kept");

            // then: as in Postgres, the command is ignored, and the statement outlives the rollback
            assertEquals("EZ", types(deallocate));
            assertEquals("25P02", sqlState(deallocate));
            assertEquals(TransactionStatus.FAILED, status(deallocate));
            ok(client, "ROLLBACK");
            assertEquals(List.of("2"), values(run(client, "kept", "1")));
        }
    }

    @Test
    void discardAllForgetsTheClientsNamesAndEmptiesTheServer() throws Exception {
        start(1);
        try (RawClient client = pgmux.raw(USER); RawClient other = pgmux.raw(USER)) {
            // given: two clients with statements on the only server
            prepare(client, "mine", PLUS_ONE);
            prepare(other, "theirs", SHOUT);

            // when
            List<Reply> discard = client.query("DISCARD ALL");

            // then: the client's names are gone, the server is empty...
            assertEquals("CZ", types(discard));
            assertEquals("DISCARD ALL", discard.get(0).tag());
            assertUnknownStatement(client, "mine", "1");
            assertEquals(List.of(), statementsOfItsServer(client));
            // ...and the other client's statement is prepared again when it needs it
            assertEquals(List.of("still!"), values(run(other, "theirs", "still")));
        }
    }

    @Test
    void sqlPrepareWorksInTransactionModeUnderPgmuxsName() throws Exception {
        start(1);
        try (RawClient client = pgmux.raw(USER)) {
            // when
            List<Reply> prepared = client.query("PREPARE p AS SELECT 1");

            // then: prepared (SqlPreparedStatementsIT has the rest), and the server has it under pgmux's name only
            assertEquals("CZ", types(prepared));
            assertEquals(TransactionStatus.IDLE, status(prepared));
            ok(client, "  prepare P2 (int) AS SELECT $1");
            assertEquals(List.of("7"), values(client.query("EXECUTE p2(7)")));
            ok(client, "BEGIN");
            ok(client, "PREPARE p3 AS SELECT 1");
            assertTrue(statementsOfHeldServer(client).stream().allMatch(name -> name.startsWith("pgmux_")));
            ok(client, "ROLLBACK");
            ok(client, "BEGIN");
            // PREPARE TRANSACTION is not a PREPARE: it reaches the server, which prepares the transaction
            try {
                List<Reply> twoPhase = client.query("PREPARE TRANSACTION 'prep_tx'");
                assertEquals("CZ", types(twoPhase));
                assertEquals("1", TestSql.direct("SELECT count(*) FROM pg_prepared_xacts WHERE gid = 'prep_tx'"));
            } finally {
                if ("1".equals(TestSql.direct("SELECT count(*) FROM pg_prepared_xacts WHERE gid = 'prep_tx'"))) {
                    TestPostgres.get().execute("ROLLBACK PREPARED 'prep_tx'");
                }
            }
        }
    }

    @Test
    void sqlPrepareAfterCommentsOrAnotherStatementIsTheClientsToo() throws Exception {
        start(1);
        try (RawClient client = pgmux.raw(USER)) {
            // when
            ok(client, "/* app: reports /* nested */ */ PREPARE hidden1 AS SELECT 1");
            ok(client, "-- app: reports\n  PREPARE hidden2 AS SELECT 2");
            ok(client, "SELECT 1; PREPARE hidden3 AS SELECT 3");

            // then: each is the client's, and no statement is left on the server under the client's names
            assertEquals(List.of("1", "2", "3"), values(client.query("EXECUTE hidden1; EXECUTE hidden2; EXECUTE hidden3")));
            List<String> left = statementsOfItsServer(client);
            assertEquals(3, left.size(), left.toString());
            assertTrue(left.stream().allMatch(name -> name.startsWith("pgmux_")), left.toString());
        }
    }

    @Test
    void clientsWithDifferentSearchPathsGetTheirOwnSchemasTable() throws Exception {
        start(1);
        try (RawClient a = pgmux.raw(USER, Map.of("options", "-c search_path=prep_sp_a"));
             RawClient b = pgmux.raw(USER, Map.of("options", "-c search_path=prep_sp_b"))) {
            // when: both prepare the same text on the same server
            a.send(parse("q", "SELECT v FROM prep_t")).send(bind("q")).send(execute()).sync().flush();
            List<Reply> fromA = a.readUntilReady();
            b.send(parse("q", "SELECT v FROM prep_t")).send(bind("q")).send(execute()).sync().flush();
            List<Reply> fromB = b.readUntilReady();

            // then: each reads its own schema's table, then and later
            assertEquals(List.of("from schema a"), values(fromA));
            assertEquals(List.of("from schema b"), values(fromB));
            assertEquals(List.of("from schema a"), values(run(a, "q")));
            assertEquals(List.of("from schema b"), values(run(b, "q")));
        }
    }

    @Test
    void statementWhoseTableIsGoneFailsAtBindAndTheConnectionGoesOn() throws Exception {
        start(2);
        try (RawClient first = pgmux.raw(USER); RawClient second = pgmux.raw(USER); RawClient holder = pgmux.raw(USER)) {
            // given: a statement a server accepted, then its table dropped
            first.send(parse("gone", "SELECT v FROM prep_gone")).send(bind("gone")).send(execute()).sync().flush();
            assertEquals(List.of("7"), values(first.readUntilReady()));
            ok(holder, "DROP TABLE prep_gone");

            // when: another client prepares the same text (known valid: answered without a server) and binds it
            second.send(parse("gone", "SELECT v FROM prep_gone")).send(bind("gone")).send(execute()).sync().flush();
            List<Reply> replies = second.readUntilReady();

            // then: the table's absence is reported, and the connection goes on
            assertTrue(types(replies).endsWith("EZ"), replies.toString());
            assertEquals("42P01", sqlState(replies));
            assertEquals("ok", value(second, "SELECT 'ok'"));
        } finally {
            TestPostgres.get().execute("DROP TABLE IF EXISTS prep_gone; CREATE TABLE prep_gone (v int); INSERT INTO prep_gone VALUES (7);"
                    + " ALTER TABLE prep_gone OWNER TO " + USER);
        }
    }
}
