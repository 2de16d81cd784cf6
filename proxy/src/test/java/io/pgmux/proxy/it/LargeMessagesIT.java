package io.pgmux.proxy.it;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.message.Query;
import io.pgmux.proxy.testing.Bystander;
import io.pgmux.proxy.testing.SmallMemoryPgmux;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.LargeReply;
import io.pgmux.proxy.testing.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rows and COPY data far larger than pgmux's memory pass through it, as through Postgres: pgmux
 * runs as a process of its own with 128 MB of heap and 64 MB of direct memory, and forwards a
 * 500 MB row and a 500 MB CopyData message in chunks as they arrive, while another client goes on
 * querying. Several event loops, so that a client and its server are often on different loops
 * (backpressure across threads).
 */
class LargeMessagesIT {
    private static final String USER = "large_user";
    private static final int MB = 1 << 20;
    /** Postgres itself needs seconds per 500 MB, and much longer on a busy machine. */
    private static final int BIG_READ_TIMEOUT_MILLIS = 300_000;

    @RegisterExtension
    static final SmallMemoryPgmux pgmux = SmallMemoryPgmux.withConfig("event_loops: 4\n", USER, "large_copy", "t text");

    @Test
    void aRowOf500MbReachesTheClientWhileAnotherClientGoesOn() throws Exception {
        int size = 500 * MB;
        try (Bystander bystander = Bystander.start("127.0.0.1", pgmux.port(), TestPostgres.DATABASE, USER)) {
            try (RawClient client = RawClient.connect("127.0.0.1", pgmux.port(), TestPostgres.DATABASE, USER).readTimeout(BIG_READ_TIMEOUT_MILLIS)) {
                client.send(new Query("SELECT repeat('x', " + size + ")")).flush();

                assertEquals('T', client.read().typeChar());
                LargeReply row = client.readLarge((byte) 'x');
                assertEquals(Backend.DATA_ROW, row.type());
                assertEquals(4 + 2 + 4 + size, row.length());
                assertEquals(2 + 4 + size, row.received());
                assertEquals(size, row.counted(), "every byte of the value arrived, in order");
                assertEquals("CZ", RawClient.types(client.readUntilReady()));
                assertEquals("TDCZ", RawClient.types(client.query("SELECT 'the same client goes on'")));
            }
            assertTrue(bystander.finish() > 0, "the other client got answers while the row passed");
        }
        assertPgmuxWell();
    }

    @Test
    void threeRowsOf100MbAtOnceAllArrive() throws Exception {
        int size = 100 * MB;
        ExecutorService threads = Executors.newFixedThreadPool(3);
        try {
            List<Future<LargeReply>> rows = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                rows.add(threads.submit(() -> {
                    try (RawClient client = RawClient.connect("127.0.0.1", pgmux.port(), TestPostgres.DATABASE, USER)
                            .readTimeout(BIG_READ_TIMEOUT_MILLIS)) {
                        client.send(new Query("SELECT repeat('r', " + size + ")")).flush();
                        assertEquals('T', client.read().typeChar());
                        LargeReply row = client.readLarge((byte) 'r');
                        assertEquals("CZ", RawClient.types(client.readUntilReady()));
                        return row;
                    }
                }));
            }
            for (Future<LargeReply> row : rows) {
                assertEquals(size, row.get(BIG_READ_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).counted());
            }
        } finally {
            threads.shutdownNow();
        }
        assertPgmuxWell();
    }

    @Test
    void aCopyDataMessageOf500MbReachesPostgresWhileAnotherClientGoesOn() throws Exception {
        // one CopyData message holding 500 lines of 1 MB (less the newline)
        byte[] line = new byte[MB];
        Arrays.fill(line, (byte) 'y');
        line[MB - 1] = '\n';
        try (Bystander bystander = Bystander.start("127.0.0.1", pgmux.port(), TestPostgres.DATABASE, USER);
             RawClient client = RawClient.connect("127.0.0.1", pgmux.port(), TestPostgres.DATABASE, USER).readTimeout(BIG_READ_TIMEOUT_MILLIS)) {
            client.query("TRUNCATE large_copy");
            client.send(new Query("COPY large_copy FROM STDIN")).flush();
            assertEquals('G', client.read().typeChar());

            client.sendLarge('d', line, 500);
            client.sendMessage('c', new byte[0]).flush();

            List<RawClient.Reply> done = client.readUntilReady();
            assertEquals("CZ", RawClient.types(done), done::toString);
            assertEquals("COPY 500", done.get(0).tag());
            List<RawClient.Reply> check = client.query("SELECT count(*), sum(length(t)) FROM large_copy WHERE t ~ '^y+$'");
            assertEquals(List.of("500", String.valueOf(500L * (MB - 1))), check.get(1).row(), check::toString);
            assertTrue(bystander.finish() > 0, "the other client got answers while the data passed");
        }
        assertPgmuxWell();
    }

    private static void assertPgmuxWell() {
        assertTrue(pgmux.process().isAlive(), pgmux::text);
        assertEquals(List.of(), pgmux.lines().stream()
                .filter(line -> line.contains("ERROR") || line.contains("WARN") || line.startsWith("\tat ")).toList());
    }
}
