package io.pgmux.proxy.it;

import io.netty.channel.uring.IoUring;
import io.pgmux.proxy.testing.Console;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code transport: io_uring}: clients on TCP and on the Unix domain socket (peer authentication
 * reads SO_PEERCRED through the io_uring channel) share a small pool, and SHOW CONFIG says so.
 * Skipped where the kernel refuses io_uring (pgmux then runs on epoll, which the other tests cover).
 */
class IoUringTransportIT {
    private static final String USER = "io_uring_user";
    private static final String OS_USER = System.getProperty("user.name");

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().role(USER)
            .sql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + OS_USER + "') THEN "
                    + "CREATE ROLE \"" + OS_USER + "\" LOGIN; END IF; END $$");

    @TempDir
    Path dir;

    @BeforeAll
    static void ioUringIsThere() {
        Assumptions.assumeTrue(IoUring.isAvailable(), "io_uring is not available here");
    }

    @Test
    void clientsOnTcpAndTheUnixSocketShareAPoolOverIoUring() throws Exception {
        // given pgmux on io_uring, two event loops, a pool of 2, peer authentication on its socket
        Pgmux pgmux = fixture.start("transport: io_uring\nevent_loops: 2\npool_size: 2\nadmin_users: [postgres]\n"
                + "unix_socket_dir: \"" + dir + "\"\nunix_socket_auth: peer\n");
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

        // and the socket's client is let in by its OS user, as the kernel reports it through io_uring's channel
        try (RawClient self = RawClient.openUnix(pgmux.server().unixSocketPath()).login(TestPostgres.DATABASE, OS_USER, Map.of())) {
            assertEquals(OS_USER, TestSql.value(self, "SELECT current_user::text"));
        }
        // and SHOW CONFIG shows the transport asked for
        try (RawClient console = pgmux.console("postgres")) {
            assertEquals("io_uring", Console.show(console, "SHOW CONFIG").one("key", "transport").get("value"));
        }
    }
}
