package io.pgmux.proxy.it;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.CancelRequest;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestPostgres;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Small helpers shared by the session-behaviour ITs: one-value queries, polling, reply checks. */
final class TestSql {
    private static final long AWAIT_MILLIS = 20_000;

    private TestSql() {}

    /** The first column of the first row of {@code sql}, run as the superuser straight on the test Postgres. */
    static String direct(String sql) {
        try (Connection c = TestPostgres.get().connect(TestPostgres.DATABASE, TestPostgres.SUPERUSER, null)) {
            return scalar(c, sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " failed on the test Postgres: " + e.getMessage(), e);
        }
    }

    /** Polls {@code sql} (a boolean query, run directly) until it is true; fails after 20 s. */
    static void awaitDirect(String what, String sql) {
        await(what, () -> "t".equals(direct(sql)));
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + AWAIT_MILLIS * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out waiting until " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting until " + what);
            }
        }
    }

    static int intScalar(Connection connection, String sql) throws SQLException {
        return Integer.parseInt(scalar(connection, sql));
    }

    static String scalar(Connection connection, String sql) throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next(), "a row from " + sql);
            return rs.getString(1);
        }
    }

    /** The single value a simple query returned; fails on an error. */
    static String value(List<Reply> replies) {
        List<String> row = row(replies);
        assertEquals(1, row.size(), "one column in " + replies);
        return row.get(0);
    }

    /** The first row a simple query returned; fails on an error. */
    static List<String> row(List<Reply> replies) {
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

    static String value(RawClient client, String sql) throws IOException {
        return value(client.query(sql));
    }

    /** The error in {@code replies}; fails if there is none. */
    static ErrorResponse error(List<Reply> replies) {
        for (Reply reply : replies) {
            if (reply.type() == Backend.ERROR_RESPONSE) {
                return reply.error();
            }
        }
        throw new AssertionError("expected an error, got " + replies);
    }

    static void assertOk(List<Reply> replies) {
        for (Reply reply : replies) {
            if (reply.type() == Backend.ERROR_RESPONSE) {
                fail("query failed: " + reply.error());
            }
        }
    }

    /** The transaction status of the last ReadyForQuery in {@code replies}. */
    static TransactionStatus status(List<Reply> replies) {
        Reply last = replies.get(replies.size() - 1);
        assertEquals(Backend.READY_FOR_QUERY, last.type(), "replies end with ReadyForQuery: " + replies);
        return last.status();
    }

    /**
     * Sends a CancelRequest to {@code host:port} and waits until the receiver closes the
     * connection, which it does once it has looked the key up.
     */
    static void sendCancel(String host, int port, int processId, int secretKey) throws IOException {
        try (RawClient cancel = RawClient.open(host, port)) {
            cancel.send(new CancelRequest(processId, secretKey)).flush();
            assertTrue(cancel.isClosedByPeer(), "the receiver of a CancelRequest closes the connection");
        }
    }

    /** Backends of {@code user} (pgmux's server connections) in the given state, e.g. 'idle in transaction'. */
    static int backendsInState(String user, String state) {
        return Integer.parseInt(direct("SELECT count(*) FROM pg_stat_activity WHERE usename = '" + user
                + "' AND state = '" + state + "'"));
    }

    /** A simple query whose text is encoded in {@code charset}, as a client in that encoding sends it. */
    static List<Reply> queryInCharset(RawClient client, String sql, Charset charset) throws IOException {
        byte[] text = sql.getBytes(charset);
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(Frontend.QUERY);
        frame.writeBytes(ByteBuffer.allocate(4).putInt(4 + text.length + 1).array());
        frame.writeBytes(text);
        frame.write(0);
        client.sendRaw(frame.toByteArray()).flush();
        return client.readUntilReady();
    }
}
