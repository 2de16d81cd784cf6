package io.pgmux.proxy.it;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.message.Bind;
import io.pgmux.protocol.message.Close;
import io.pgmux.protocol.message.Describe;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Execute;
import io.pgmux.protocol.message.Parse;
import io.pgmux.protocol.message.Target;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The messages and checks the prepared-statement ITs share: extended-protocol messages by name,
 * reply lists read as types, values and errors, and what each server connection really holds
 * ({@code pg_prepared_statements}, which only the backend itself can see).
 *
 * <p>Reply letters in the tests: 1 ParseComplete, 2 BindComplete, 3 CloseComplete, t
 * ParameterDescription, T RowDescription, n NoData, D DataRow, C CommandComplete, E ErrorResponse,
 * Z ReadyForQuery.
 */
final class PreparedProtocol {
    private PreparedProtocol() {
    }

    static Parse parse(String name, String sql, int... parameterTypes) {
        return new Parse(name, sql, parameterTypes);
    }

    static Bind bind(String statement, String... values) {
        return Bind.of("", statement, List.of(values));
    }

    static Execute execute() {
        return new Execute("", 0);
    }

    static Describe describeStatement(String name) {
        return new Describe(Target.STATEMENT, name);
    }

    static Close closeStatement(String name) {
        return new Close(Target.STATEMENT, name);
    }

    static String types(List<Reply> replies) {
        return RawClient.types(replies);
    }

    /** The one error among {@code replies}. */
    static ErrorResponse error(List<Reply> replies) {
        List<ErrorResponse> errors = replies.stream().filter(r -> r.type() == Backend.ERROR_RESPONSE).map(Reply::error).toList();
        assertEquals(1, errors.size(), "exactly one error in " + replies);
        return errors.get(0);
    }

    static String sqlState(List<Reply> replies) {
        return error(replies).sqlState();
    }

    /** The first column of every DataRow, in order. */
    static List<String> values(List<Reply> replies) {
        return replies.stream().filter(r -> r.type() == Backend.DATA_ROW).map(r -> r.row().get(0)).toList();
    }

    /** A simple query's single value; fails on an error. */
    static String value(RawClient client, String sql) throws IOException {
        List<Reply> replies = client.query(sql);
        List<String> values = values(replies);
        assertTrue(replies.stream().noneMatch(r -> r.type() == Backend.ERROR_RESPONSE), sql + " failed: " + replies);
        assertEquals(1, values.size(), sql + " returns one row: " + replies);
        return values.get(0);
    }

    /** Runs a simple query that must succeed. */
    static void ok(RawClient client, String sql) throws IOException {
        List<Reply> replies = client.query(sql);
        assertTrue(replies.stream().noneMatch(r -> r.type() == Backend.ERROR_RESPONSE), sql + " failed: " + replies);
    }

    /** Sends Parse of {@code sql} under {@code name}, then Sync; fails unless answered ParseComplete, ReadyForQuery. */
    static void prepare(RawClient client, String name, String sql) throws IOException {
        client.send(parse(name, sql)).sync().flush();
        assertEquals("1Z", types(client.readUntilReady()), "Parse of " + name);
    }

    /** Sends Bind of {@code statement} with {@code values}, Execute, Sync; returns the replies. */
    static List<Reply> run(RawClient client, String statement, String... values) throws IOException {
        client.send(bind(statement, values)).send(execute()).sync().flush();
        return client.readUntilReady();
    }

    /** Binding {@code statement} fails as Postgres fails it for a name the client does not hold: 26000, and nothing else runs. */
    static void assertUnknownStatement(RawClient client, String statement, String... values) throws IOException {
        List<Reply> replies = run(client, statement, values);
        assertEquals("EZ", types(replies), statement + ": " + replies);
        assertEquals("26000", sqlState(replies), statement);
    }

    /** A client of {@code pgmux} that holds a server: it is in a transaction (BEGIN sent). Returns the server's pid. */
    static String holdServer(RawClient client) throws IOException {
        ok(client, "BEGIN");
        return value(client, "SELECT pg_backend_pid()::text");
    }

    /**
     * The statements each of the pool's servers holds, by server pid: {@code servers} clients each
     * open a transaction (so each holds its own server, opening one if the pool has room), then read
     * their backend's {@code pg_prepared_statements}. No other client may hold a server meanwhile.
     */
    static Map<String, List<String>> statementsOnServers(Pgmux pgmux, String user, int servers) throws IOException {
        List<RawClient> holders = new ArrayList<>();
        try {
            Map<String, List<String>> byPid = new TreeMap<>();
            for (int i = 0; i < servers; i++) {
                RawClient holder = pgmux.raw(user);
                holders.add(holder);
                String pid = holdServer(holder);
                String names = value(holder, "SELECT coalesce(string_agg(name, ',' ORDER BY name), '') FROM pg_prepared_statements");
                byPid.put(pid, names.isEmpty() ? List.of() : Arrays.asList(names.split(",")));
            }
            assertEquals(servers, byPid.size(), "each holder got its own server");
            for (RawClient holder : holders) {
                ok(holder, "ROLLBACK");
            }
            return byPid;
        } finally {
            for (RawClient holder : holders) {
                holder.close();
            }
        }
    }

    /** The largest number of statements any server of the pool holds. */
    static int mostStatementsOnAServer(Pgmux pgmux, String user, int servers) throws IOException {
        return statementsOnServers(pgmux, user, servers).values().stream().mapToInt(List::size).max().orElse(0);
    }

    /** The statements of the server an idle client gets: it holds one for a transaction (BEGIN, COMMIT) to ask. */
    static List<String> statementsOfItsServer(RawClient client) throws IOException {
        ok(client, "BEGIN");
        List<String> names = statementsOfHeldServer(client);
        ok(client, "COMMIT");
        return names;
    }

    /** The statements the server a client holds in its open transaction has. */
    static List<String> statementsOfHeldServer(RawClient holder) throws IOException {
        String names = value(holder, "SELECT coalesce(string_agg(name, ',' ORDER BY name), '') FROM pg_prepared_statements");
        return names.isEmpty() ? List.of() : Arrays.asList(names.split(","));
    }
}
