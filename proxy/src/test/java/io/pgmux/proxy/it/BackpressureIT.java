package io.pgmux.proxy.it;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.message.Query;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that asks for a result far larger than memory should hold, and does not read it: pgmux
 * stops reading from the server instead of buffering, so its memory stays bounded and Postgres
 * itself waits to write. Other clients are served meanwhile.
 */
class BackpressureIT {
    private static final String USER = "backpressure_user";
    /** Wide rows: the leak detector the tests run with makes every frame costly. */
    private static final int ROWS = 6_250;
    private static final int ROW_WIDTH = 40_000;
    /** The result is 250 MB; pgmux may hold a small part of it (in practice, about 1 MB). */
    private static final long MEMORY_BOUND = 32L * 1024 * 1024;
    /** Long enough for a proxy that buffers without bound to pass MEMORY_BOUND several times over. */
    private static final long STALL_MILLIS = 2_000;
    private static final String MARKER = "backpressure_it_big_result";

    @RegisterExtension
    static final PgmuxFixture pgmux = PgmuxFixture.withConfig("pool_size: 2\nquery_wait_timeout: 20s\n")
            .role(USER);

    @Test
    void largeResultForAClientThatDoesNotReadKeepsMemoryBoundedAndOthersServed() throws Exception {
        long baseline = nettyMemory();
        try (RawClient slow = RawClient.open(pgmux.host(), pgmux.port(), 64 * 1024).login(TestPostgres.DATABASE, USER, Map.of());
             Connection other = pgmux.jdbc(USER)) {
            // given a client that asks for a 250 MB result
            slow.send(new Query("SELECT /* " + MARKER + " */ repeat('x', " + ROW_WIDTH + ") FROM generate_series(1, " + ROWS + ")"))
                    .flush();

            // when it reads none of it for a while, as another client works
            long peak = baseline;
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS);
            for (int i = 0; System.nanoTime() - end < 0; i++) {
                assertEquals(i, TestSql.intScalar(other, "SELECT " + i));
                peak = Math.max(peak, nettyMemory());
                Thread.sleep(20);
            }

            // then pgmux holds a small part of the result at most, and Postgres itself waits to write the rest
            assertTrue(peak - baseline < MEMORY_BOUND, "pgmux buffered " + (peak - baseline) / (1024 * 1024)
                    + " MB of a result its client does not read");
            assertEquals("ClientWrite", waitEventOfBigQuery(), "the big query waits for its reader");

            // and when the client reads at last, every row arrives
            int rows = 0;
            Reply reply;
            while ((reply = slow.read()).type() != Backend.COMMAND_COMPLETE) {
                if (reply.type() == Backend.DATA_ROW) {
                    rows++;
                    if (rows == 1 || rows == ROWS) {
                        assertEquals(ROW_WIDTH, reply.row().get(0).length());
                    }
                } else {
                    assertEquals('T', reply.typeChar(), reply.toString());
                }
            }
            assertEquals("SELECT " + ROWS, reply.tag());
            assertEquals(ROWS, rows);
            assertEquals(Backend.READY_FOR_QUERY, slow.read().type());
            assertEquals("TDCZ", RawClient.types(slow.query("SELECT 1")));
        }
    }

    /** Bytes the buffer allocators pgmux may use hold now (Netty 4.2 defaults to the adaptive one). */
    private static long nettyMemory() {
        long used = used(PooledByteBufAllocator.DEFAULT.metric());
        if (ByteBufAllocator.DEFAULT != PooledByteBufAllocator.DEFAULT
                && ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider provider) {
            used += used(provider.metric());
        }
        return used;
    }

    private static long used(ByteBufAllocatorMetric metric) {
        return metric.usedDirectMemory() + metric.usedHeapMemory();
    }

    private static String waitEventOfBigQuery() throws SQLException {
        try (Connection direct = TestPostgres.get().connect(TestPostgres.DATABASE, TestPostgres.SUPERUSER, null);
             Statement st = direct.createStatement();
             ResultSet rs = st.executeQuery("SELECT wait_event FROM pg_stat_activity WHERE state = 'active'"
                     + " AND query LIKE '%" + MARKER + "%' AND pid <> pg_backend_pid()")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
