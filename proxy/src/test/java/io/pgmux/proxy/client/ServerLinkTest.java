package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.Bind;
import io.pgmux.protocol.message.Close;
import io.pgmux.protocol.message.CommandComplete;
import io.pgmux.protocol.message.Describe;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Execute;
import io.pgmux.protocol.message.Messages;
import io.pgmux.protocol.message.ParameterStatus;
import io.pgmux.protocol.message.Parse;
import io.pgmux.protocol.message.Query;
import io.pgmux.protocol.message.ReadyForQuery;
import io.pgmux.protocol.message.Target;
import io.pgmux.protocol.message.WireMessage;
import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.backend.TestServerConnections;
import io.pgmux.proxy.config.PoolMode;
import io.pgmux.proxy.config.PreparedStatementMode;
import io.pgmux.proxy.net.MessageChunk;
import io.pgmux.proxy.net.Outbox;
import io.pgmux.proxy.prepared.ClientStatements;
import io.pgmux.proxy.prepared.StatementRegistry;
import io.pgmux.proxy.sql.QueryScan;
import io.pgmux.proxy.sql.SqlCommand;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The link between a client and the server it holds, message by message: what goes to the server
 * (rewritten, injected), what reaches the client (forwarded, synthetic, swallowed) and in which
 * order, and when the server may go back to the pool.
 */
class ServerLinkTest {
    private final EmbeddedChannel serverSide = new EmbeddedChannel();
    private final Outbox toServer = new Outbox();
    private final Events events = new Events();
    private final StatementRegistry registry = new StatementRegistry();
    private final ClientStatements clientStatements = new ClientStatements(registry);
    private final ServerConnection server = TestServerConnections.on(serverSide);
    private ServerLink link = link(PreparedStatementMode.REWRITE, 200);

    @AfterEach
    void releaseEverything() {
        link.discard();
        toServer.clear();
        serverSide.finishAndReleaseAll();
    }

    // ---------------------------------------------------------------- when the server may go back

    @Test
    void aQueryKeepsTheServerUntilItsReadyForQuery() {
        client(new Query("SELECT 1"));
        assertFalse(link.isClean());

        server(rowDescription(), commandComplete("SELECT 1"), ready('I'));

        assertTrue(link.isClean());
        assertEquals("TCZ", events.clientTypes());
    }

    @Test
    void pipelinedQueriesKeepTheServerUntilTheLastIsAnswered() {
        client(new Query("SELECT 1"), new Query("SELECT 2"));

        server(commandComplete("SELECT 1"), ready('I'));
        assertFalse(link.isClean(), "one answer still owed");
        server(commandComplete("SELECT 2"), ready('I'));

        assertTrue(link.isClean());
    }

    @Test
    void extendedMessagesWithoutSyncKeepTheServerEvenWhenAnswered() {
        client(new Parse("", "SELECT 1", new int[0]), Bind.of("", "", List.of()), new Execute("", 0), flush());
        server(frame(Backend.PARSE_COMPLETE), frame(Backend.BIND_COMPLETE), commandComplete("SELECT 1"));

        assertFalse(link.isClean());
        assertFalse(link.canUnpin(), "a portal lives on this server until Sync");

        client(sync());
        server(ready('I'));
        assertTrue(link.isClean());
        assertEquals("12CZ", events.clientTypes());
    }

    @Test
    void anOpenTransactionKeepsTheServerAndNeedsOnlyARollback() {
        client(new Query("BEGIN"));
        server(commandComplete("BEGIN"), ready('T'));

        assertFalse(link.isClean());
        assertTrue(link.needsOnlyRollback());
    }

    @Test
    void injectedQueriesAreAnsweredFirstAndSwallowed() {
        InjectedQuery rollback = InjectedQuery.rollback();
        link.inject(rollback);
        client(new Query("SELECT 1"));

        server(commandComplete("ROLLBACK"), ready('I'), commandComplete("SELECT 1"), ready('I'));

        assertEquals(List.of(rollback), events.injectedDone);
        assertEquals("CZ", events.clientTypes());
        assertTrue(link.isClean());
    }

    @Test
    void aReadyForQueryNobodyAskedForIsLostTrack() {
        server(ready('I'));

        assertEquals(1, events.lostTrack.size());
    }

    @Test
    void aFatalErrorWhileNothingIsOwedReachesTheClient() {
        server(ErrorResponse.fatal("57P01", "terminating connection due to administrator command"));

        assertEquals("E", events.clientTypes());
        assertTrue(link.serverSentFatal());
        assertTrue(events.lostTrack.isEmpty());
    }

    @Test
    void afterAnErrorWithoutSyncTheClientsMessagesAreDroppedUntilItsSync() {
        client(new Parse("", "SELECT 1/0", new int[0]), Bind.of("", "", List.of()), new Execute("", 0), flush());
        server(frame(Backend.PARSE_COMPLETE), frame(Backend.BIND_COMPLETE), ErrorResponse.error("22012", "division by zero"));
        sentFrames().forEach(ByteBuf::release);

        client(new Parse("", "SELECT 2", new int[0]), Bind.of("", "", List.of()), new Execute("", 0));
        assertEquals(List.of(), sentTypes(), "the server would skip them");
        assertFalse(link.isClean());
        assertFalse(link.canUnpin(), "the failed portal's implicit transaction lives on this server until Sync");

        client(sync());
        assertEquals(List.of(Frontend.SYNC), sentTypes());
        server(ready('I'));
        assertEquals("12EZ", events.clientTypes());
        assertTrue(link.isClean());
        assertFalse(link.errorSinceSync());
    }

    @Test
    void aFailedNamedParseWithoutSyncLetsTheServerGoAfterPgmuxsOwnSync() {
        client(new Parse("s1", "SELEC nonsense", new int[0]), flush());
        server(ErrorResponse.error("42601", "syntax error"));

        assertTrue(link.canUnpin());
        link.unpin();
        server(ready('I'));
        assertTrue(link.isClean());
        assertTrue(link.errorSinceSync(), "the client's messages up to its own Sync are still to be ignored");
        assertEquals("E", events.clientTypes());
    }

    // ---------------------------------------------------------------- named prepared statements

    @Test
    void aNamedParseGoesToTheServerUnderTheStatementsContentName() {
        client(new Parse("s1", "SELECT $1::int", new int[] {23}), sync());

        List<ByteBuf> sent = sentFrames();
        Parse parse = Parse.decode(sent.get(0));
        assertTrue(parse.statement().startsWith("pgmux_"), parse.statement());
        assertEquals("SELECT $1::int", parse.query());
        assertEquals(Frontend.SYNC, Frames.type(sent.get(1)));
        release(sent);

        server(frame(Backend.PARSE_COMPLETE), ready('I'));
        assertEquals("1Z", events.clientTypes());
        assertTrue(link.isClean());
    }

    @Test
    void aParseOfAStatementTheServerHoldsIsAnsweredWithoutAskingIt() {
        client(new Parse("a", "SELECT 1", new int[0]), sync());
        server(frame(Backend.PARSE_COMPLETE), ready('I'));
        sentFrames().forEach(ByteBuf::release);

        client(new Parse("b", "SELECT 1", new int[0]), sync());

        assertEquals(List.of(Frontend.SYNC), sentTypes(), "no Parse: the server has the statement");
        server(ready('I'));
        assertEquals("1Z1Z", events.clientTypes());
    }

    @Test
    void aBindOfAStatementTheServerLacksPreparesItFirstAndSwallowsTheParseComplete() {
        clientStatements.register("s1", new io.pgmux.proxy.prepared.StatementKey("SELECT 1", new int[0], null));

        client(Bind.of("", "s1", List.of()), new Execute("", 0), sync());

        List<ByteBuf> sent = sentFrames();
        assertEquals(List.of(Frontend.PARSE, Frontend.BIND, Frontend.EXECUTE, Frontend.SYNC), types(sent));
        String serverName = Parse.decode(sent.get(0)).statement();
        assertEquals(serverName, Bind.decode(sent.get(1)).statement(), "the Bind names the server's statement");
        release(sent);

        server(frame(Backend.PARSE_COMPLETE), frame(Backend.BIND_COMPLETE), dataRow(), commandComplete("SELECT 1"), ready('I'));

        assertEquals("2DCZ", events.clientTypes());
        assertTrue(link.isClean());
    }

    @Test
    void attachedToTheNextServerAfterLosingOneTheLinkStartsCleanAndPreparesTheClientsStatementsThere() {
        client(new Parse("a", "SELECT 1", new int[0]), sync());
        server(frame(Backend.PARSE_COMPLETE), ready('I'));
        client(new Query("BEGIN"), new Parse("", "SELECT 2", new int[0]));
        server(commandComplete("BEGIN"), ready('T'));
        release(sentFrames());
        assertFalse(link.isClean());
        link.discard(); // the server was lost in the middle: what it owed is dropped

        EmbeddedChannel nextSide = new EmbeddedChannel();
        try {
            link.attach(TestServerConnections.on(nextSide));

            assertTrue(link.isClean(), "nothing owed, unsynced or open on the next server");
            client(Bind.of("", "a", List.of()), new Execute("", 0), sync());
            List<ByteBuf> sent = sentFrames(nextSide);
            assertEquals(List.of(Frontend.PARSE, Frontend.BIND, Frontend.EXECUTE, Frontend.SYNC), types(sent),
                    "the next server lacks the statement: pgmux prepares it there first");
            release(sent);
            server(frame(Backend.PARSE_COMPLETE), frame(Backend.BIND_COMPLETE), commandComplete("SELECT 1"), ready('I'));
            assertEquals("1ZCZ2CZ", events.clientTypes(), "the Parse of pgmux's own is swallowed");
            assertTrue(link.isClean());
        } finally {
            nextSide.finishAndReleaseAll();
        }
    }

    @Test
    void aDescribeOfAStatementTheServerLacksPreparesItFirst() {
        clientStatements.register("s1", new io.pgmux.proxy.prepared.StatementKey("SELECT 1", new int[0], null));

        client(new Describe(Target.STATEMENT, "s1"), sync());

        assertEquals(List.of(Frontend.PARSE, Frontend.DESCRIBE, Frontend.SYNC), sentTypes());
        server(frame(Backend.PARSE_COMPLETE), frame(Backend.PARAMETER_DESCRIPTION), frame(Backend.NO_DATA), ready('I'));
        assertEquals("tnZ", events.clientTypes());
    }

    @Test
    void aCloseIsAnsweredInItsPlaceAfterTheRepliesBeforeIt() {
        clientStatements.register("s1", new io.pgmux.proxy.prepared.StatementKey("SELECT 1", new int[0], null));
        client(new Parse("", "SELECT 2", new int[0]), new Close(Target.STATEMENT, "s1"), sync());

        assertEquals(List.of(Frontend.PARSE, Frontend.SYNC), sentTypes(), "the Close never reaches the server");
        assertEquals("", events.clientTypes(), "CloseComplete waits for the Parse's reply");
        server(frame(Backend.PARSE_COMPLETE), ready('I'));

        assertEquals("13Z", events.clientTypes());
        assertEquals(0, clientStatements.size());
    }

    @Test
    void afterAnErrorNoSyntheticReplyIsSentForWhatTheServerSkips() {
        client(new Parse("", "SELECT 1/0", new int[0]), Bind.of("", "", List.of()), new Execute("", 0),
                new Parse("s2", "SELECT 2", new int[0]), sync());
        sentFrames().forEach(ByteBuf::release);

        server(frame(Backend.PARSE_COMPLETE), frame(Backend.BIND_COMPLETE), ErrorResponse.error("22012", "division by zero"),
                ready('I'));

        assertEquals("12EZ", events.clientTypes());
        assertEquals(0, clientStatements.size(), "the skipped Parse left no name");
        assertTrue(link.isClean());
    }

    @Test
    void aFailedParseLeavesNoNameBehind() {
        client(new Parse("s1", "SELEC nonsense", new int[0]), sync());
        server(ErrorResponse.error("42601", "syntax error"), ready('I'));

        assertEquals(0, clientStatements.size());
        assertEquals("EZ", events.clientTypes());
    }

    @Test
    void aDuplicateNameIsRefusedByTheServerWithPostgressError() {
        client(new Parse("s1", "SELECT 1", new int[0]), sync());
        server(frame(Backend.PARSE_COMPLETE), ready('I'));
        sentFrames().forEach(ByteBuf::release);

        client(new Parse("s1", "SELECT 2", new int[0]), sync());
        List<ByteBuf> sent = sentFrames();
        assertEquals("pgmux_refused", Parse.decode(sent.get(0)).statement(), "a Parse that must fail, so the server skips to Sync");
        release(sent);
        server(ErrorResponse.error("42601", "syntax error at or near \"pgmux\""), ready('I'));

        ErrorResponse error = ErrorResponse.decode(events.client.get(2));
        assertEquals("42P05", error.sqlState());
        assertEquals("prepared statement \"s1\" already exists", error.message());
        assertEquals("SELECT 1", clientStatements.get("s1").statement().key().query(), "the first statement keeps the name");
    }

    @Test
    void evictionClosesTheLeastRecentlyUsedStatementAndSwallowsTheCloseComplete() {
        link = link(PreparedStatementMode.REWRITE, 2);
        for (String name : List.of("a", "b")) {
            client(new Parse(name, "SELECT '" + name + "'", new int[0]), sync());
            server(frame(Backend.PARSE_COMPLETE), ready('I'));
        }
        sentFrames().forEach(ByteBuf::release);

        client(new Parse("c", "SELECT 'c'", new int[0]), sync());

        List<ByteBuf> sent = sentFrames();
        assertEquals(List.of(Frontend.CLOSE, Frontend.PARSE, Frontend.SYNC), types(sent));
        assertNotEquals(Parse.decode(sent.get(1)).statement(), Close.decode(sent.get(0)).name());
        release(sent);
        server(frame(Backend.CLOSE_COMPLETE), frame(Backend.PARSE_COMPLETE), ready('I'));
        assertEquals("1Z1Z1Z", events.clientTypes());
        assertEquals(2, server.statements().size());
    }

    @Test
    void rejectModeRefusesANamedParseAndLetsUnnamedOnesThrough() {
        link = link(PreparedStatementMode.REJECT, 200);

        client(new Parse("s1", "SELECT 1", new int[0]), sync());
        server(ErrorResponse.error("42601", "syntax error"), ready('I'));
        ErrorResponse error = ErrorResponse.decode(events.client.get(0));
        assertEquals("0A000", error.sqlState());
        assertTrue(error.hint().contains("prepared_statements"), error.hint());

        client(new Parse("", "SELECT 1", new int[0]), sync());
        server(frame(Backend.PARSE_COMPLETE), ready('I'));
        assertEquals("EZ1Z", events.clientTypes());
    }

    @Test
    void onlyNamedParseAndDescribeLetTheServerGoBeforeTheClientsSync() {
        client(new Parse("s1", "SELECT 1", new int[0]), new Describe(Target.STATEMENT, "s1"), flush());
        server(frame(Backend.PARSE_COMPLETE), frame(Backend.PARAMETER_DESCRIPTION), frame(Backend.NO_DATA));

        assertTrue(link.canUnpin());
        link.unpin();
        server(ready('I'));
        assertTrue(link.isClean());
        assertEquals("1tn", events.clientTypes(), "pgmux's own Sync is answered to nobody");
    }

    @Test
    void sqlDeallocateOfAClientNameIsAnsweredInItsPlace() {
        clientStatements.register("s1", new io.pgmux.proxy.prepared.StatementKey("SELECT 1", new int[0], null));

        client(new Query("DEALLOCATE s1"));

        assertEquals(List.of(), sentTypes());
        assertEquals("CZ", events.clientTypes());
        assertEquals(0, clientStatements.size());
    }

    // ---------------------------------------------------------------- COPY

    @Test
    void aCopyFromStdinSentTheWayLibpqSendsItGivesTheServerBack() {
        // libpq: Parse/Bind/Describe/Execute/Sync, then the data, CopyDone and another Sync;
        // the server ignores the first Sync, which arrives while it is copying.
        client(new Parse("", "COPY t FROM STDIN", new int[0]), Bind.of("", "", List.of()), new Describe(Target.PORTAL, ""),
                new Execute("", 0), sync());
        server(frame(Backend.PARSE_COMPLETE), frame(Backend.BIND_COMPLETE), frame(Backend.NO_DATA), copyInResponse());
        client(copyData(), copyDone(), sync());
        server(commandComplete("COPY 1"), ready('I'));

        assertEquals("12nGCZ", events.clientTypes());
        assertTrue(link.isClean());
    }

    @Test
    void aSimpleQueryCopyKeepsTheServerUntilItsReadyForQuery() {
        client(new Query("COPY t FROM STDIN"));
        server(copyInResponse());
        client(copyData(), copyDone());
        assertFalse(link.isClean());

        server(commandComplete("COPY 1"), ready('I'));
        assertTrue(link.isClean());
    }

    @Test
    void anErrorDuringAnExtendedCopyWaitsForASyncSentAfterIt() {
        client(new Parse("", "COPY t FROM STDIN", new int[0]), Bind.of("", "", List.of()), new Execute("", 0), sync());
        server(frame(Backend.PARSE_COMPLETE), frame(Backend.BIND_COMPLETE), copyInResponse());
        client(copyData());
        sentFrames().forEach(ByteBuf::release);

        server(ErrorResponse.error("22P02", "invalid input syntax for type integer"));
        assertFalse(link.isClean(), "the Sync sent during the copy was ignored by the server");
        client(copyDone(), sync());
        assertEquals(List.of(Frontend.SYNC), sentTypes(), "the server skips to the Sync: the CopyDone is not sent");
        server(ready('I'));

        assertEquals("12GEZ", events.clientTypes());
        assertTrue(link.isClean());
    }

    @Test
    void aSimpleQueryCopyThatFailsEndsWithItsReadyForQuery() {
        client(new Query("COPY t FROM STDIN"));
        server(copyInResponse());
        client(copyData());
        server(ErrorResponse.error("22P02", "invalid input syntax for type integer"), ready('I'));

        assertTrue(link.isClean());
        client(new Query("SELECT 1"));
        assertEquals(List.of(Frontend.QUERY, Frontend.COPY_DATA, Frontend.QUERY), sentTypes(), "messages go on after the copy");
        server(commandComplete("SELECT 1"), ready('I'));
        assertEquals("GEZCZ", events.clientTypes());
    }

    @Test
    void aServerWithPartOfAClientsCopyDataIsNotCleanUntilItsLastChunkEvenWhenEverythingIsAnswered() {
        client(new Query("COPY t FROM STDIN"));
        server(copyInResponse());
        link.sendHeadFromClient(copyDataHead(100, 10), Frontend.COPY_DATA);
        // the COPY fails while the data still streams (a cancel, a timeout): the server ignores the rest
        server(ErrorResponse.error("57014", "canceling statement due to user request"), ready('I'));

        assertFalse(link.isClean(), "the server holds part of a message: nothing else may go to it");
        assertFalse(link.needsOnlyRollback());
        link.sendChunkFromClient(new MessageChunk(Unpooled.wrappedBuffer(new byte[50]), false));
        assertFalse(link.isClean());
        link.sendChunkFromClient(new MessageChunk(Unpooled.wrappedBuffer(new byte[36]), true));

        assertTrue(link.isClean());
        assertEquals(List.of(Frontend.QUERY, Frontend.COPY_DATA), sentTypes(), "the head and its chunks make one message");
    }

    @Test
    void aStreamedCopyDataThatTheServerWouldSkipIsDroppedWithItsChunks() {
        client(new Parse("", "SELECT 1", new int[0]));
        server(ErrorResponse.error("42601", "syntax error"));
        sentFrames().forEach(ByteBuf::release);

        link.sendHeadFromClient(copyDataHead(100, 10), Frontend.COPY_DATA);
        link.sendChunkFromClient(new MessageChunk(Unpooled.wrappedBuffer(new byte[86]), true));
        client(sync());

        assertEquals(List.of(Frontend.SYNC), sentTypes());
    }

    // ---------------------------------------------------------------- settings

    @Test
    void aSetTakesEffectForTheClientAtTheReadyForQueryAfterIt() {
        client(new Query("SET extra_float_digits = 3"));
        server(commandComplete("SET"), ready('I'));

        assertEquals(1, events.settings.size());
        assertEquals("extra_float_digits", events.settings.get(0).name());
        assertEquals("3", events.settings.get(0).value());
    }

    @Test
    void aSetInARolledBackTransactionDoesNotCount() {
        client(new Query("BEGIN"), new Query("SET work_mem = '8MB'"), new Query("ROLLBACK"));
        server(commandComplete("BEGIN"), ready('T'), commandComplete("SET"), ready('T'), commandComplete("ROLLBACK"), ready('I'));

        assertTrue(events.settings.isEmpty());
    }

    @Test
    void aReportedParameterChangeFollowsTheClient() {
        client(new Query("SET TimeZone = 'UTC'"));
        server(commandComplete("SET"), new ParameterStatus("TimeZone", "UTC"), ready('I'));

        assertEquals(List.of("TimeZone=UTC"), events.parameterStatus);
        assertEquals("UTC", server.parameters().get("TimeZone"));
    }

    @Test
    void aSetThroughTheExtendedProtocolTakesEffectAtTheSyncsReadyForQuery() {
        client(new Parse("", "SET work_mem = '8MB'", new int[0]), Bind.of("", "", List.of()), new Execute("", 0), sync());
        server(frame(Backend.PARSE_COMPLETE), frame(Backend.BIND_COMPLETE), commandComplete("SET"));
        assertTrue(events.settings.isEmpty(), "not before the ReadyForQuery");
        server(ready('I'));

        assertEquals(List.of("work_mem=8MB"), events.settingNames());
    }

    @Test
    void aMultiStatementQueryKeepsItsSetsWhenItSucceedsAndNoneWhenItFails() {
        client(new Query("SET work_mem = '8MB'; SELECT 1"));
        server(commandComplete("SET"), commandComplete("SELECT 1"), ready('I'));
        assertEquals(List.of("work_mem=8MB"), events.settingNames());

        client(new Query("SET work_mem = '16MB'; SELECT 1/0"));
        server(commandComplete("SET"), ErrorResponse.error("22012", "division by zero"), ready('I'));
        assertEquals(List.of("work_mem=8MB"), events.settingNames(), "the failed query's implicit transaction took its SET back");
    }

    @Test
    void aCommitInsideAMultiStatementQueryKeepsTheSetsBeforeIt() {
        client(new Query("SET work_mem = '8MB'; COMMIT; SET search_path = x; SELECT 1/0"));
        server(commandComplete("SET"), commandComplete("COMMIT"), commandComplete("SET"),
                ErrorResponse.error("22012", "division by zero"), ready('I'));

        assertEquals(List.of("work_mem=8MB"), events.settingNames());
    }

    @Test
    void aRollbackToASavepointForgetsTheTransactionsSetsAndMarksTheServerForAReset() {
        client(new Query("BEGIN"), new Query("SET work_mem = '8MB'"), new Query("ROLLBACK TO SAVEPOINT s"), new Query("COMMIT"));
        assertFalse(server.parameters().isUnknown());
        server(commandComplete("BEGIN"), ready('T'), commandComplete("SET"), ready('T'), commandComplete("ROLLBACK"), ready('T'),
                commandComplete("COMMIT"), ready('I'));

        assertTrue(events.settings.isEmpty());
        assertTrue(server.parameters().isUnknown(), "the SET may have been made before the savepoint, and stay");
    }

    @Test
    void aCommittedTransactionsSetsAreKeptAtTheCommit() {
        client(new Query("BEGIN"), new Query("SET work_mem = '8MB'"), new Query("RESET search_path"), new Query("COMMIT"));
        server(commandComplete("BEGIN"), ready('T'), commandComplete("SET"), ready('T'), commandComplete("RESET"), ready('T'));
        assertTrue(events.settings.isEmpty(), "not while the transaction is open");
        server(commandComplete("COMMIT"));

        assertEquals(List.of("work_mem=8MB", "search_path=null"), events.settingNames());
        assertFalse(server.parameters().isUnknown());
    }

    @Test
    void aClientsDiscardAllResetsItsSettingsAndForgetsItsStatements() {
        client(new Parse("s1", "SELECT 1", new int[0]), sync(), new Query("DISCARD ALL"));
        server(frame(Backend.PARSE_COMPLETE), ready('I'), commandComplete("DISCARD ALL"), ready('I'));

        assertEquals(List.of(SqlCommand.Kind.DISCARD_ALL), events.settings.stream().map(SqlCommand::kind).toList());
        assertEquals(0, clientStatements.size());
        assertEquals(0, server.statements().size());
    }

    // ---------------------------------------------------------------- plumbing

    private ServerLink link(PreparedStatementMode mode, int maxPerServer) {
        StatementContext context = new StatementContext(mode, PoolMode.TRANSACTION, clientStatements, registry, () -> maxPerServer, 10, 16 << 20, null,
                new StatementCounts(), new QueryScan());
        return new ServerLink(context, new ReplyQueue(), toServer, ByteBufAllocator.DEFAULT, events).attach(server);
    }

    private void client(Object... messages) {
        for (Object message : messages) {
            ByteBuf frame = message instanceof ByteBuf buf ? buf : ((WireMessage) message).encode(ByteBufAllocator.DEFAULT);
            link.sendFromClient(frame, Frames.type(frame));
        }
    }

    private void server(Object... messages) {
        for (Object message : messages) {
            link.onServerFrame(message instanceof ByteBuf buf ? buf : ((WireMessage) message).encode(ByteBufAllocator.DEFAULT));
        }
    }

    /** What went to the server since the last call, cut back into frames (a rewritten Bind goes out in two buffers). */
    private List<ByteBuf> sentFrames() {
        return sentFrames(serverSide);
    }

    private List<ByteBuf> sentFrames(EmbeddedChannel serverSide) {
        toServer.flushTo(serverSide);
        ByteBuf stream = Unpooled.buffer();
        for (Object out = serverSide.readOutbound(); out != null; out = serverSide.readOutbound()) {
            ByteBuf buf = (ByteBuf) out;
            stream.writeBytes(buf);
            buf.release();
        }
        List<ByteBuf> frames = new ArrayList<>();
        for (ByteBuf frame = Frames.readFrame(stream, Integer.MAX_VALUE); frame != null; frame = Frames.readFrame(stream, Integer.MAX_VALUE)) {
            frames.add(frame);
        }
        stream.release();
        return frames;
    }

    private List<Byte> sentTypes() {
        List<ByteBuf> sent = sentFrames();
        List<Byte> types = types(sent);
        release(sent);
        return types;
    }

    private static List<Byte> types(List<ByteBuf> frames) {
        return frames.stream().map(Frames::type).toList();
    }

    private static void release(List<ByteBuf> frames) {
        frames.forEach(ByteBuf::release);
    }

    private static ByteBuf frame(byte type) {
        return Unpooled.wrappedBuffer(new byte[] {type, 0, 0, 0, 4});
    }

    private static ByteBuf sync() {
        return Messages.sync();
    }

    private static ByteBuf flush() {
        return Messages.flush();
    }

    private static ByteBuf copyDone() {
        return frame(Frontend.COPY_DONE);
    }

    private static ByteBuf copyData() {
        return Unpooled.wrappedBuffer(new byte[] {Frontend.COPY_DATA, 0, 0, 0, 6, '1', '\n'});
    }

    /** The head of a CopyData whose header counts {@code length}: the header and {@code present} body bytes. */
    private static ByteBuf copyDataHead(int length, int present) {
        return Unpooled.buffer().writeByte(Frontend.COPY_DATA).writeInt(length).writeZero(present);
    }

    private static ByteBuf copyInResponse() {
        return Unpooled.wrappedBuffer(new byte[] {Backend.COPY_IN_RESPONSE, 0, 0, 0, 7, 0, 0, 0});
    }

    private static ByteBuf rowDescription() {
        return Unpooled.wrappedBuffer(new byte[] {Backend.ROW_DESCRIPTION, 0, 0, 0, 6, 0, 0});
    }

    private static ByteBuf dataRow() {
        return Unpooled.wrappedBuffer(new byte[] {Backend.DATA_ROW, 0, 0, 0, 6, 0, 0});
    }

    private static CommandComplete commandComplete(String tag) {
        return new CommandComplete(tag);
    }

    private static ReadyForQuery ready(char status) {
        return new ReadyForQuery(TransactionStatus.fromWire((byte) status));
    }

    /** Records what the link reports; keeps a copy of every frame for the client and releases it. */
    private static final class Events implements ServerLinkEvents {
        final List<ByteBuf> client = new ArrayList<>();
        final List<InjectedQuery> injectedDone = new ArrayList<>();
        final List<SqlCommand> settings = new ArrayList<>();
        final List<String> parameterStatus = new ArrayList<>();
        final List<String> lostTrack = new ArrayList<>();

        List<String> settingNames() {
            return settings.stream().map(setting -> setting.name() + "=" + setting.value()).toList();
        }

        String clientTypes() {
            StringBuilder types = new StringBuilder();
            client.forEach(frame -> types.append((char) Frames.type(frame)));
            return types.toString();
        }

        @Override
        public void toClient(ByteBuf frame) {
            client.add(Unpooled.copiedBuffer(frame));
            frame.release();
        }

        @Override
        public void onClientParameterStatus(String name, String value) {
            parameterStatus.add(name + "=" + value);
        }

        @Override
        public void onClientSettingChanged(SqlCommand command) {
            settings.add(command);
        }

        @Override
        public void onInjectedQueryDone(InjectedQuery query) {
            injectedDone.add(query);
        }

        @Override
        public void onQueryDone(long nanos) {
        }

        @Override
        public void onErrorToClient(String sqlState) {
        }

        @Override
        public void onLostTrack(String what) {
            lostTrack.add(what);
        }

        @Override
        public void onTransactionBlockRefused() {
            lostTrack.add("transaction block refused");
        }
    }
}
