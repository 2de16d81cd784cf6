package io.pgmux.proxy.it;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.internal.PlatformDependent;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.Query;
import io.pgmux.protocol.message.WireMessage;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that keeps sending messages pgmux answers itself (here a DEALLOCATE of a name it does not
 * have while idle, a LISTEN refused by session_features: reject while holding a server, and a console
 * SHOW; also a Sync while idle, DEALLOCATE, a Close of its own statement, an SSLRequest before login)
 * and never reads the answers is no longer read once its socket is full, as Postgres stops reading a
 * client it cannot write to: pgmux's memory stays bounded, and when the client reads at last every
 * answer is there. Before, pgmux read on and kept every answer until its direct memory ran out
 * (OutOfMemoryError on the event loop, felt by every client of that loop).
 *
 * <p>Known weakness: run in this JVM (leak detector at paranoid, which makes pgmux read slowly), the
 * memory assertion also passed on the code before the fix; what these tests do catch is a client
 * paused for good or an answer lost. The defect itself was shown against the packaged pgmux with a
 * raw client: 150 MB of Syncs or DEALLOCATE ALL sent without reading made pgmux hold 176-191 MB of
 * direct memory before the fix, under 2 MB after (under 9 MB for console SHOW CONFIG), every answer
 * delivered once the client read. A sharper test would ask the session whether it still reads.
 */
class ClientThatDoesNotReadIT {
    private static final String USER = "unread_replies_user";
    private static final String ADMIN = "unread_replies_admin";
    /** What a client may try to send: far more than pgmux should hold for it. */
    private static final int CHUNKS = 64;
    private static final int CHUNK_SIZE = 64 * 1024;
    /** pgmux may hold a socket's worth of answers and a read's worth of messages (in practice under 1 MB). */
    private static final long MEMORY_BOUND = 8L * 1024 * 1024;
    private static final long STALL_MILLIS = 2_000;
    private static final long DEADLINE_MILLIS = 30_000;
    /** Reading back what the kernel buffered (a few MB) is slow with the leak detector at paranoid. */
    private static final long READ_BACK_MILLIS = 180_000;
    /** Refused by pgmux while idle (the client has no such statement): a short message answered by an error. */
    private static final String DEALLOCATE = "DEALLOCATE p";
    /** Refused by pgmux (session_features: reject) through the server the client holds, every time. */
    private static final String LISTEN = "LISTEN p";

    @RegisterExtension
    static final PgmuxFixture pgmux = PgmuxFixture.withConfig("pool_size: 1\nsession_features: reject\nadmin_users: [" + ADMIN + "]\n")
            .role(USER);

    @Test
    void refusedStatementsWhileIdle() throws Exception {
        // an idle client's DEALLOCATE of a name it does not have is refused by pgmux itself (ErrorResponse and ReadyForQuery)
        try (RawClient client = nonReadingClient(TestPostgres.DATABASE, USER)) {
            floodWithoutReading(client, bytes(new Query(DEALLOCATE)), Backend.READY_FOR_QUERY, "SELECT 1", "TDCZ");
        }
    }

    @Test
    void refusedStatementsInsideATransaction() throws Exception {
        // the server is held, but the refusal is still pgmux's (raised through the server: the transaction fails)
        try (RawClient client = nonReadingClient(TestPostgres.DATABASE, USER)) {
            assertEquals("CZ", RawClient.types(client.query("BEGIN")));
            floodWithoutReading(client, bytes(new Query(LISTEN)), Backend.READY_FOR_QUERY, "ROLLBACK", "CZ");
        }
    }

    @Test
    void consoleCommands() throws Exception {
        try (RawClient console = nonReadingClient("pgbouncer", ADMIN)) {
            // padded to 1 kB, so that the leak detector's cost per message leaves the test quick
            floodWithoutReading(console, bytes(new Query("SHOW CONFIG" + " ".repeat(1000))), Backend.READY_FOR_QUERY,
                    "SHOW VERSION", "TDCZ");
        }
    }

    // ---------------------------------------------------------------- helpers

    /** A logged-in client with a small receive buffer: when it does not read, pgmux's writes back up early. */
    private static RawClient nonReadingClient(String database, String user) throws IOException {
        return RawClient.open(pgmux.host(), pgmux.port(), 4096).login(database, user, Map.of());
    }

    /**
     * Given a client that sends {@code message} over and over without reading, then pgmux stops
     * reading it before holding {@link #MEMORY_BOUND} for it; and when the client reads at last,
     * each message sent has its answer (one {@code answerType} each), and the session goes on.
     */
    private static void floodWithoutReading(RawClient client, byte[] message, byte answerType, String thenQuery,
            String thenTypes) throws Exception {
        byte[] chunk = chunkOf(message);
        int messagesPerChunk = chunk.length / message.length;
        long baseline = nettyMemory();
        AtomicLong chunksSent = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            try {
                for (int i = 0; i < CHUNKS && !stop.get(); i++) {
                    client.sendRaw(chunk).flush();
                    chunksSent.incrementAndGet();
                }
            } catch (IOException e) {
                chunksSent.set(-1);
            }
        }, "unread-replies-writer");
        writer.setDaemon(true);
        writer.start();
        try {
            expectStalledThenAnswered(client, writer, chunksSent, stop, messagesPerChunk, answerType, thenQuery, thenTypes, baseline);
        } finally {
            if (writer.isAlive()) {
                client.kill(); // the test failed with the writer blocked: free it, and close without a Terminate
            }
        }
    }

    private static void expectStalledThenAnswered(RawClient client, Thread writer, AtomicLong chunksSent, AtomicBoolean stop,
            int messagesPerChunk, byte answerType, String thenQuery, String thenTypes, long baseline) throws Exception {
        // when the client sends until it is stalled (or has sent everything), reading nothing
        long peak = baseline;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MILLIS);
        long lastCount = -2;
        long lastProgress = System.nanoTime();
        while (writer.isAlive() && System.nanoTime() - deadline < 0 && peak - baseline < MEMORY_BOUND
                && System.nanoTime() - lastProgress < TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS)) {
            peak = Math.max(peak, nettyMemory());
            long count = chunksSent.get();
            if (count != lastCount) {
                lastCount = count;
                lastProgress = System.nanoTime();
            }
            Thread.sleep(20);
        }
        peak = Math.max(peak, nettyMemory());
        stop.set(true);

        // then pgmux stopped reading it before it held much for it
        assertTrue(chunksSent.get() >= 0, "pgmux closed the connection of a client that does not read");
        assertTrue(peak - baseline < MEMORY_BOUND, "pgmux held " + (peak - baseline) / (1024 * 1024)
                + " MB of answers for a client that does not read (" + chunksSent.get() * CHUNK_SIZE / (1024 * 1024)
                + " MB of messages sent)");

        // and when it reads, the writer finishes its chunk and every message has its answer
        deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READ_BACK_MILLIS);
        long answers = 0;
        while (writer.isAlive() || answers < chunksSent.get() * messagesPerChunk) {
            assertTrue(System.nanoTime() - deadline < 0, "answers still missing at the deadline: " + answers
                    + " of " + chunksSent.get() * messagesPerChunk);
            Reply reply = client.read();
            if (reply.type() == answerType) {
                answers++;
            }
            if (reply.type() == Backend.ERROR_RESPONSE) {
                String sqlState = reply.error().sqlState();
                assertTrue(sqlState.equals(SqlState.INVALID_SQL_STATEMENT_NAME) || sqlState.equals(SqlState.FEATURE_NOT_SUPPORTED),
                        reply.toString());
            }
            if (!writer.isAlive() && answers == chunksSent.get() * messagesPerChunk) {
                break;
            }
        }
        writer.join(TimeUnit.SECONDS.toMillis(30));
        assertEquals(chunksSent.get() * messagesPerChunk, answers);
        assertEquals(thenTypes, RawClient.types(client.query(thenQuery)));
    }

    private static byte[] bytes(WireMessage message) {
        ByteBuf buf = Unpooled.buffer();
        message.encode(buf);
        return bytes(buf);
    }

    private static byte[] bytes(ByteBuf buf) {
        try {
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            return bytes;
        } finally {
            buf.release();
        }
    }

    private static byte[] chunkOf(byte[] message) {
        int count = CHUNK_SIZE / message.length;
        byte[] chunk = new byte[count * message.length];
        for (int i = 0; i < count; i++) {
            System.arraycopy(message, 0, chunk, i * message.length, message.length);
        }
        return chunk;
    }

    /**
     * Memory pgmux's buffers hold now: what the allocators report (as in {@link BackpressureIT}), or
     * the direct memory Netty counts, whichever is more.
     */
    private static long nettyMemory() {
        long used = used(PooledByteBufAllocator.DEFAULT.metric());
        if (ByteBufAllocator.DEFAULT != PooledByteBufAllocator.DEFAULT
                && ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider provider) {
            used += used(provider.metric());
        }
        return Math.max(used, PlatformDependent.usedDirectMemory());
    }

    private static long used(ByteBufAllocatorMetric metric) {
        return metric.usedDirectMemory() + metric.usedHeapMemory();
    }
}
