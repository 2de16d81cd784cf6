package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.Query;
import io.pgmux.proxy.backend.ServerParameters;
import io.pgmux.proxy.client.SettingChanges.MultiStatement;
import io.pgmux.proxy.client.SettingChanges.SettingChange;
import io.pgmux.proxy.sql.QueryScan;
import io.pgmux.proxy.sql.SqlCommand;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.pgmux.protocol.TransactionStatus.IDLE;
import static io.pgmux.protocol.TransactionStatus.IN_TRANSACTION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which SETs a client keeps, fed the commands it runs and what the server answers, without a
 * server: a change holds when its transaction commits or the server is out of any transaction,
 * and an error or ROLLBACK undoes it (then the server is marked for a reset).
 */
class SettingChangesTest {
    private final ServerParameters server = new ServerParameters();
    private final Client client = new Client();
    private final SettingChanges changes = attached(true);

    // ---------------------------------------------------------------- single commands

    @Test
    void aSetOutsideATransactionHoldsAtTheReadyForQueryAfterIt() {
        completed("SET work_mem = '8MB'");
        assertEquals(List.of(), client.kept, "Postgres reports the new value just before ReadyForQuery");

        changes.onReadyForQuery(IDLE);

        assertEquals(List.of("work_mem=8MB"), client.kept);
        assertFalse(server.isUnknown());
    }

    @Test
    void aSetInATransactionHoldsWhenTheTransactionCommits() {
        completed("SET work_mem = '8MB'");
        changes.onReadyForQuery(IN_TRANSACTION);
        completed("RESET search_path");
        changes.onReadyForQuery(IN_TRANSACTION);
        assertEquals(List.of(), client.kept);

        changes.onCommit();

        assertEquals(List.of("work_mem=8MB", "search_path=null"), client.kept);
        changes.onReadyForQuery(IDLE);
        assertEquals(2, client.kept.size(), "kept once");
    }

    @Test
    void aRollbackUndoesTheTransactionsSetsAndMarksTheServerForAReset() {
        changes.onRollback();
        assertFalse(server.isUnknown(), "a ROLLBACK with no SET before it costs nothing");

        completed("SET work_mem = '8MB'");
        changes.onReadyForQuery(IN_TRANSACTION);
        changes.onRollback(); // or ROLLBACK TO SAVEPOINT, which may keep the SET on the server
        changes.onReadyForQuery(IDLE);

        assertEquals(List.of(), client.kept);
        assertTrue(server.isUnknown());
    }

    @Test
    void anErrorUndoesTheSetsNotYetHeld() {
        completed("SET work_mem = '8MB'");
        changes.onReadyForQuery(IN_TRANSACTION);
        changes.onError();
        changes.onReadyForQuery(TransactionStatus.FAILED);
        changes.onRollback();
        changes.onReadyForQuery(IDLE);

        assertEquals(List.of(), client.kept);
        assertTrue(server.isUnknown());
    }

    @Test
    void aSetPgmuxCannotReadMarksTheServerForAResetAndIsNotKept() {
        SettingChange unfollowed = changes.attachmentFor(SqlCommand.parse("SET XML OPTION DOCUMENT"));
        assertNotNull(unfollowed);
        changes.onCommandComplete(unfollowed);
        changes.onReadyForQuery(IDLE);

        assertEquals(List.of(), client.kept);
        assertTrue(server.isUnknown());
    }

    @Test
    void aValueBeyondAsciiFromAClientNotInUtf8IsNotFollowed() {
        client.settings.put("client_encoding", "LATIN1");
        completed("SET application_name = 'caf\u00e9'");
        changes.onReadyForQuery(IDLE);

        assertEquals(List.of(), client.kept);
        assertTrue(server.isUnknown());

        client.settings.put("client_encoding", "UTF8");
        completed("SET application_name = 'caf\u00e9'");
        changes.onReadyForQuery(IDLE);
        assertEquals(List.of("application_name=caf\u00e9"), client.kept);
    }

    @Test
    void commandsThatSetNothingCarryNothing() {
        assertNull(changes.attachmentFor(SqlCommand.parse("SELECT 1")));
        assertNull(changes.attachmentFor(SqlCommand.parse("SET LOCAL work_mem = '8MB'")), "ends with the transaction");
    }

    @Test
    void inSessionModeNothingIsFollowed() {
        SettingChanges sessionMode = attached(false);

        assertNull(sessionMode.attachmentFor(SqlCommand.parse("SET work_mem = '8MB'")));
        assertNull(sent(sessionMode, "SET work_mem = '8MB'; SELECT set_config('a.b', 'c', false)"));
        assertFalse(server.isUnknown());
    }

    // ---------------------------------------------------------------- multi-statement queries

    @Test
    void aMultiStatementQueryKeepsItsSetsWhenItCompletes() {
        MultiStatement query = sent(changes, "SET work_mem = '8MB'; SELECT 1; RESET search_path");
        assertNotNull(query);
        assertTrue(server.isUnknown(), "pgmux may misread a query of several statements: the server is reset after it");

        changes.onCommandComplete(query);
        changes.onCommandComplete(query);
        changes.onCommandComplete(query);
        assertEquals(List.of(), client.kept, "one implicit transaction: nothing holds before it ends");
        changes.onReadyForQuery(IDLE);

        assertEquals(List.of("work_mem=8MB", "search_path=null"), client.kept);
    }

    @Test
    void aMultiStatementQueryThatFailsKeepsNone() {
        MultiStatement query = sent(changes, "SET work_mem = '8MB'; SELECT 1/0");
        changes.onCommandComplete(query);
        changes.onError();
        changes.onReadyForQuery(IDLE);

        assertEquals(List.of(), client.kept);
    }

    @Test
    void aCommitInsideAMultiStatementQueryKeepsTheSetsBeforeIt() {
        MultiStatement query = sent(changes, "SET work_mem = '8MB'; COMMIT; SET search_path = x; SELECT 1/0");
        changes.onCommandComplete(query);
        changes.onCommandComplete(query);
        changes.onCommit();
        changes.onCommandComplete(query);
        changes.onError();
        changes.onReadyForQuery(IDLE);

        assertEquals(List.of("work_mem=8MB"), client.kept);
    }

    @Test
    void eachQueryCountsItsOwnStatements() {
        MultiStatement first = sent(changes, "SELECT 1; SET work_mem = '8MB'");
        changes.onCommandComplete(first);
        changes.onError();
        changes.onReadyForQuery(IDLE);
        MultiStatement second = sent(changes, "SET search_path = x; SELECT 1");
        changes.onCommandComplete(second);
        changes.onCommandComplete(second);
        changes.onReadyForQuery(IDLE);

        assertEquals(List.of("search_path=x"), client.kept, "the second query's first statement is its SET");
    }

    @Test
    void aRollbackInsideAMultiStatementQueryUndoesItsSets() {
        MultiStatement query = sent(changes, "BEGIN; SET work_mem = '8MB'; ROLLBACK");
        changes.onCommandComplete(query);
        changes.onCommandComplete(query);
        changes.onCommandComplete(query);
        changes.onRollback();
        changes.onReadyForQuery(IDLE);

        assertEquals(List.of(), client.kept);
    }

    @Test
    void oneStatementIsNoMultiStatementQuery() {
        assertNull(sent(changes, "SET work_mem = '8MB'"));
        assertNull(sent(changes, "SELECT 1; SELECT 2"), "no SET mentioned: nothing to follow");
        assertFalse(server.isUnknown());
    }

    @Test
    void setConfigMarksTheServerForAReset() {
        assertNull(sent(changes, "SELECT set_config('search_path', 'x', false)"));

        assertTrue(server.isUnknown());
    }

    // ---------------------------------------------------------------- DISCARD ALL, reported parameters

    @Test
    void aClientsDiscardAllResetsItsSettingsAndDropsTheOnesNotYetHeld() {
        server.applied("work_mem", "8MB");
        completed("SET search_path = x");

        changes.onDiscardAll(true);
        changes.onReadyForQuery(IDLE);

        assertEquals(List.of("DISCARD_ALL"), client.kinds());
        assertTrue(server.applied().isEmpty());
    }

    @Test
    void pgmuxsOwnDiscardAllResetsTheServerOnly() {
        server.applied("work_mem", "8MB");

        changes.onDiscardAll(false);

        assertEquals(List.of(), client.kept);
        assertTrue(server.applied().isEmpty());
    }

    @Test
    void aReportedParameterIsTheClientsDuringItsOwnMessagesOnly() {
        changes.onParameterStatus("TimeZone", "UTC", true);
        changes.onParameterStatus("DateStyle", "ISO, MDY", false);

        assertEquals(List.of("TimeZone=UTC"), client.reported);
        assertEquals("ISO, MDY", server.get("DateStyle"));
        assertFalse(server.isUnknown());
    }

    @Test
    void aNewSessionAuthorizationMarksTheServerForAReset() {
        changes.onParameterStatus("session_authorization", "tenant", true);

        assertTrue(server.isUnknown());
    }

    // ---------------------------------------------------------------- plumbing

    /** A single command completed (the attachment its entry carries, then its CommandComplete). */
    private void completed(String sql) {
        changes.onCommandComplete(changes.attachmentFor(SqlCommand.parse(sql)));
    }

    private static MultiStatement sent(SettingChanges changes, String sql) {
        ByteBuf frame = new Query(sql).encode(ByteBufAllocator.DEFAULT);
        try {
            return changes.onQuerySent(QueryScan.of(frame, frame.readerIndex() + Frames.HEADER_SIZE));
        } finally {
            frame.release();
        }
    }

    private static final class Client implements SettingChanges.Client {
        final List<SqlCommand> changes = new ArrayList<>();
        final List<String> kept = new ArrayList<>();
        final List<String> reported = new ArrayList<>();
        final Map<String, String> settings = new HashMap<>();

        List<String> kinds() {
            return changes.stream().map(change -> change.kind().name()).toList();
        }

        @Override
        public void onClientSettingChanged(SqlCommand command) {
            changes.add(command);
            if (command.changesSetting()) {
                kept.add(command.name() + "=" + command.value());
            }
        }

        @Override
        public void onClientParameterStatus(String name, String value) {
            reported.add(name + "=" + value);
        }

        @Override
        public String clientSetting(String name) {
            return settings.get(name);
        }
    }

    private SettingChanges attached(boolean tracked) {
        SettingChanges changes = new SettingChanges(tracked, client);
        changes.attach(server);
        return changes;
    }
}
