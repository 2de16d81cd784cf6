package io.pgmux.proxy.it;

import io.netty.channel.uring.IoUring;
import io.pgmux.proxy.net.Transport;
import io.pgmux.proxy.testing.Console;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * {@code transport: io_uring}: concurrent clients share a small pool over io_uring channels on two
 * loops, and SHOW CONFIG says so. (UnixSocketIT and TcpKeepaliveIT run their socket checks on both
 * transports.) A client that resets right after sending data is noticed on it (Netty's multishot POLLIN
 * missed that). Skipped where the kernel refuses io_uring (pgmux then runs on epoll).
 */
class IoUringTransportIT {
    private static final String USER = "io_uring_user";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().role(USER);

    @BeforeAll
    static void ioUringIsThere() {
        Assumptions.assumeTrue(Transport.ioUringAvailable(), "io_uring is not available here");
    }

    @Test
    void concurrentClientsShareAPoolOverIoUring() throws Exception {
        // given pgmux on io_uring, two event loops, a pool of 2
        Pgmux pgmux = fixture.start("transport: io_uring\nevent_loops: 2\npool_size: 2\nadmin_users: [postgres]\n");
        assertEquals("io_uring", pgmux.server().transportName());

        // when 8 TCP clients run 50 transactions each at once
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Future<Long>> sums = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                int client = c;
                sums.add(clients.submit(() -> {
                    long sum = 0;
                    try (RawClient raw = pgmux.raw(USER)) {
                        for (int i = 0; i < 50; i++) {
                            sum += Long.parseLong(TestSql.value(raw, "SELECT (" + client + " * 1000 + " + i + ")::text"));
                        }
                    }
                    return sum;
                }));
            }
            // then each got its own answers (50 * 1000c + 0..49)
            for (int c = 0; c < 8; c++) {
                assertEquals(50L * 1000 * c + 49 * 50 / 2, sums.get(c).get());
            }
        } finally {
            clients.shutdownNow();
        }

        // and SHOW CONFIG shows the transport asked for
        try (RawClient console = pgmux.console("postgres")) {
            assertEquals("io_uring", Console.show(console, "SHOW CONFIG").one("key", "transport").get("value"));
        }
    }

    @Test
    void aClientThatSendsHalfAMessageInATransactionAndResetsGivesItsServerBackEveryTime() throws Exception {
        // given pgmux on the default transport, which is io_uring here, with its multishot poll off
        Pgmux pgmux = fixture.start("pool_size: 1\nquery_wait_timeout: 20s\n");
        assertEquals("io_uring", pgmux.server().transportName());
        assertFalse(IoUring.isPollAddMultishotEnabled(), "a multishot POLLIN misses a reset that follows data");

        for (int i = 0; i < 20; i++) {
            // when a client in a transaction sends half a Query and resets its connection at once
            RawClient client = pgmux.raw(USER);
            client.query("BEGIN");
            client.query("SELECT " + i);
            client.sendRaw(ByteBuffer.allocate(5).put((byte) 'Q').putInt(100).array())
                    .sendRaw("COMMIT".getBytes(StandardCharsets.US_ASCII)).flush();
            client.kill();

            // then pgmux sees the reset: the only server is free again, and the next client is served
            pgmux.awaitNothingHeld(USER, 0);
        }
        try (RawClient next = pgmux.raw(USER)) {
            assertEquals("20", TestSql.value(next, "SELECT 20::text"));
        }
    }
}
