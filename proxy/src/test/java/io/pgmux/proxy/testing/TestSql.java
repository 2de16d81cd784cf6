package io.pgmux.proxy.testing;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.CancelRequest;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.StartupMessage;
import io.pgmux.proxy.testing.RawClient.Reply;
import org.junit.jupiter.api.function.Executable;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Small helpers shared by the integration tests: one-value queries (through a connection, or
 * straight on the test Postgres as the superuser), polling until a condition holds, and checks on
 * the replies a {@link RawClient} read.
 */
public final class TestSql {
    private static final long AWAIT_MILLIS = 20_000;

    private TestSql() {}

    /** The first column of the first row of {@code sql}, run as the superuser straight on the test Postgres. */
    public static String direct(String sql) {
        try (Connection c = TestPostgres.get().connect(TestPostgres.DATABASE, TestPostgres.SUPERUSER, null)) {
            return scalar(c, sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " failed on the test Postgres: " + e.getMessage(), e);
        }
    }

    /** Polls {@code sql} (a boolean query, run directly) until it is true; fails after 20 s. */
    public static void awaitDirect(String what, String sql) {
        await(what, () -> "t".equals(direct(sql)));
    }

    /** Polls pg_stat_activity until backend {@code pid} has gone (its connection closed); fails after 20 s. */
    public static void awaitBackendGone(String what, Object pid) {
        awaitDirect(what, "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = " + Integer.parseInt(pid.toString()));
    }

    /** Polls {@code condition} every 20 ms until it is true; fails after 20 s. */
    public static void await(String what, BooleanSupplier condition) {
        await(() -> what, condition);
    }

    /** As {@link #await(String, BooleanSupplier)}; {@code what} is asked only on failure, to say the state then. */
    public static void await(Supplier<String> what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + AWAIT_MILLIS * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out waiting until " + what.get());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting until " + what);
            }
        }
    }

    /** As {@link #direct(String)}, read as an int (a count, say). */
    public static int intDirect(String sql) {
        return Integer.parseInt(direct(sql));
    }

    /** The first column of the first row of {@code sql}, read as an int; fails if there is no row. */
    public static int intScalar(Connection connection, String sql) throws SQLException {
        return Integer.parseInt(scalar(connection, sql));
    }

    /** {@link #intScalar} on another thread; a failure completes the future with the SQLSTATE in its message. */
    public static CompletableFuture<Integer> intScalarLater(Connection connection, String sql) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return intScalar(connection, sql);
            } catch (SQLException e) {
                throw new IllegalStateException(e.getSQLState() + " " + e.getMessage(), e);
            }
        });
    }

    /** Opens a transaction on {@code connection} and runs a query in it, so that its client now holds a server. */
    public static void holdServerInTransaction(Connection connection) throws SQLException {
        connection.setAutoCommit(false);
        intScalar(connection, "SELECT 1");
    }

    /** The first column of the first row of {@code sql}; fails if there is no row. */
    public static String scalar(Connection connection, String sql) throws SQLException {
        return firstRow(connection, sql, rs -> rs.getString(1));
    }

    public static boolean booleanScalar(Connection connection, String sql) throws SQLException {
        return firstRow(connection, sql, rs -> rs.getBoolean(1));
    }

    public static Timestamp timestampScalar(Connection connection, String sql) throws SQLException {
        return firstRow(connection, sql, rs -> rs.getTimestamp(1));
    }

    /** Every column of the first row of {@code sql}, run straight on the test Postgres, read as ints (counts, say). */
    public static int[] directInts(String sql) {
        try (Connection c = TestPostgres.get().connect(TestPostgres.DATABASE, TestPostgres.SUPERUSER, null)) {
            return firstRow(c, sql, rs -> {
                int[] values = new int[rs.getMetaData().getColumnCount()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = rs.getInt(i + 1);
                }
                return values;
            });
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " failed on the test Postgres: " + e.getMessage(), e);
        }
    }

    private interface RowReader<T> {
        T read(ResultSet row) throws SQLException;
    }

    private static <T> T firstRow(Connection connection, String sql, RowReader<T> reader) throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next(), "a row from " + sql);
            return reader.read(rs);
        }
    }

    /** The single value a simple query returned; fails on an error. */
    public static String value(List<Reply> replies) {
        List<String> row = row(replies);
        assertEquals(1, row.size(), "one column in " + replies);
        return row.get(0);
    }

    /** The first row a simple query returned; fails on an error. */
    public static List<String> row(List<Reply> replies) {
        for (Reply reply : replies) {
            if (reply.type() == Backend.ERROR_RESPONSE) {
                fail("query failed: " + reply.error());
            }
        }
        for (Reply reply : replies) {
            if (reply.type() == Backend.DATA_ROW) {
                return reply.row();
            }
        }
        throw new AssertionError("no row in " + replies);
    }

    public static String value(RawClient client, String sql) throws IOException {
        return value(client.query(sql));
    }

    /**
     * Checks each of {@code namesAndValues} (name, value, name, value...) against {@code row} (a console
     * row, settings by name), all of them, reporting every mismatch by name.
     */
    public static void assertValues(Map<String, String> row, String... namesAndValues) {
        assertEquals(0, namesAndValues.length % 2, "names and values in pairs");
        List<Executable> checks = new ArrayList<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            String name = namesAndValues[i];
            String value = namesAndValues[i + 1];
            checks.add(() -> assertEquals(value, row.get(name), name));
        }
        assertAll(checks);
    }

    /** The error in {@code replies}; fails if there is none. */
    public static ErrorResponse error(List<Reply> replies) {
        for (Reply reply : replies) {
            if (reply.type() == Backend.ERROR_RESPONSE) {
                return reply.error();
            }
        }
        throw new AssertionError("expected an error, got " + replies);
    }

    /** Reads until the first ErrorResponse (what comes before it is skipped) and returns it; fails after 1000 messages. */
    public static ErrorResponse nextError(RawClient client) throws IOException {
        for (int i = 0; i < 1000; i++) {
            Reply reply = client.read();
            if (reply.type() == Backend.ERROR_RESPONSE) {
                return reply.error();
            }
        }
        throw new AssertionError("no error in 1000 replies");
    }

    public static void assertOk(List<Reply> replies) {
        for (Reply reply : replies) {
            if (reply.type() == Backend.ERROR_RESPONSE) {
                fail("query failed: " + reply.error());
            }
        }
    }

    /** The transaction status of the last ReadyForQuery in {@code replies}. */
    public static TransactionStatus status(List<Reply> replies) {
        Reply last = replies.get(replies.size() - 1);
        assertEquals(Backend.READY_FOR_QUERY, last.type(), "replies end with ReadyForQuery: " + replies);
        return last.status();
    }

    /**
     * Sends a CancelRequest to {@code host:port} and waits until the receiver closes the
     * connection, which it does once it has looked the key up.
     */
    public static void sendCancel(String host, int port, int processId, int secretKey) throws IOException {
        try (RawClient cancel = RawClient.open(host, port)) {
            cancel.send(new CancelRequest(processId, secretKey)).flush();
            assertTrue(cancel.isClosedByPeer(), "the receiver of a CancelRequest closes the connection");
        }
    }

    /**
     * Opens a connection to {@code host:port}, sends a StartupMessage with {@code startup} (user, database,
     * settings) and reads the replies up to the ErrorResponse that refuses the login, which it returns
     * last; fails if the login succeeds, if the connection stays open after the error, or if no error
     * comes within 100 messages.
     */
    public static List<Reply> loginRefusal(String host, int port, Map<String, String> startup) throws IOException {
        try (RawClient client = RawClient.open(host, port)) {
            return loginRefusal(client, startup);
        }
    }

    /** As {@link #loginRefusal(String, int, Map)}, on a connection already open (a Unix socket one, say). */
    public static List<Reply> loginRefusal(RawClient client, Map<String, String> startup) throws IOException {
        client.send(new StartupMessage(Frontend.PROTOCOL_3_0, new LinkedHashMap<>(startup))).flush();
        List<Reply> replies = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Reply reply = client.read();
            replies.add(reply);
            if (reply.type() == Backend.ERROR_RESPONSE) {
                assertTrue(client.isClosedByPeer(), "the connection is closed after the login error");
                return replies;
            }
            assertNotEquals(Backend.READY_FOR_QUERY, reply.type(), () -> "the login must not succeed: " + replies);
        }
        return fail("no error within 100 replies: " + replies);
    }

    /** The error of {@link #loginRefusal}: {@code user} may not log in to {@code database} on {@code host:port}. */
    public static ErrorResponse loginError(String host, int port, String database, String user) throws IOException {
        return loginError(host, port, Map.of("user", user, "database", database));
    }

    /** The error of {@link #loginRefusal}. */
    public static ErrorResponse loginError(String host, int port, Map<String, String> startup) throws IOException {
        List<Reply> replies = loginRefusal(host, port, startup);
        return replies.get(replies.size() - 1).error();
    }

    /** Backends of {@code user} (pgmux's server connections) in the given state, e.g. 'idle in transaction'. */
    public static int backendsInState(String user, String state) {
        return intDirect("SELECT count(*) FROM pg_stat_activity WHERE usename = '" + user
                + "' AND state = '" + state + "'");
    }

    /** A simple query whose text is encoded in {@code charset}, as a client in that encoding sends it. */
    public static List<Reply> queryInCharset(RawClient client, String sql, Charset charset) throws IOException {
        byte[] text = sql.getBytes(charset);
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(Frontend.QUERY);
        frame.writeBytes(ByteBuffer.allocate(4).putInt(4 + text.length + 1).array());
        frame.writeBytes(text);
        frame.write(0);
        client.sendRaw(frame.toByteArray()).flush();
        return client.readUntilReady();
    }

    /** The error Postgres (or pgmux) sent when {@code call} failed; fails if it did not fail with one. */
    public static ServerErrorMessage serverError(Retries.SqlCall<?> call) {
        PSQLException e = assertThrows(PSQLException.class, call::call);
        assertNotNull(e.getServerErrorMessage(), e::toString);
        return e.getServerErrorMessage();
    }
}
