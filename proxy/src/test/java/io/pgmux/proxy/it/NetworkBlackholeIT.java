package io.pgmux.proxy.it;

import io.netty.channel.epoll.Epoll;
import io.pgmux.proxy.pool.PoolCounts;
import io.pgmux.proxy.testing.NetworkNamespacePath;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Fault drill: the network path to Postgres goes dark while a server connection sits idle in the
 * pool. Nothing is sent on an idle connection, so only TCP keepalive can notice; the path runs
 * through a network namespace ({@link NetworkNamespacePath}), so no kernel on the far side answers
 * the probes, as none would for a cable cut or a vanished host. Runs where it can (root, ip netns,
 * socat, epoll); skipped with the reason otherwise.
 */
class NetworkBlackholeIT {
    private static final String USER = "blackhole_user";
    /** tcp_keepidle 1 s + tcp_keepcnt 2 × tcp_keepintvl 1 s: the kernel gives up about 3 s after the path goes dark. */
    private static final String KEEPALIVE = "tcp_keepalive: true\ntcp_keepidle: 1\ntcp_keepintvl: 1\ntcp_keepcnt: 2\n";
    private static final double BOUND_SECONDS = 1 + 2 * 1;

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().role(USER);

    @Test
    void anIdleServerWhosePathGoesDarkIsDroppedByKeepaliveAndReplacedWhenThePathReturns() throws Exception {
        String unavailable = NetworkNamespacePath.unavailable();
        assumeTrue(unavailable == null, unavailable);
        assumeTrue(Epoll.isAvailable(), "tcp_keepidle and friends need epoll");
        TestPostgres postgres = TestPostgres.get();
        try (NetworkNamespacePath path = NetworkNamespacePath.to(postgres.host(), postgres.port())) {
            Pgmux pgmux = fixture.start("upstream: \"" + path.address() + "\"\npool_size: 2\n" + KEEPALIVE
                    + "server_connect_timeout: 2s\nserver_login_retry: 500ms\nquery_wait_timeout: 30s\n");

            // given a server connection that went back to the pool and sits idle there
            String firstServer;
            try (RawClient client = pgmux.raw(USER)) {
                firstServer = TestSql.value(client, "SELECT pg_backend_pid()");
            }
            pgmux.awaitNothingHeld(USER, 0);
            assertEquals(1, pgmux.counts(USER).idleServers());
            Thread.sleep(2000); // long past tcp_keepidle: probes have been answered

            // when the path goes dark
            path.goDark();
            long darkAt = System.nanoTime();

            // then keepalive drops the idle server within the configured bound (plus scheduling slack)
            PoolCounts counts = pgmux.counts(USER);
            while (counts.servers() > 0 && System.nanoTime() - darkAt < TimeUnit.SECONDS.toNanos(30)) {
                Thread.sleep(50);
                counts = pgmux.counts(USER);
            }
            double seconds = (System.nanoTime() - darkAt) / 1e9;
            System.out.printf("path dark: idle server dropped by keepalive %.2f s after (bound %.0f s)%n", seconds, BOUND_SECONDS);
            assertEquals(0, counts.servers(), () -> "the idle server is still counted after " + seconds + " s: " + pgmux.counts(USER));
            assertTrue(seconds < BOUND_SECONDS + 3, () -> "dropped after " + seconds + " s");

            // and when the path returns, the pool opens a new server and a client is served
            path.comeBack();
            try (RawClient client = pgmux.raw(USER)) {
                String server = TestSql.value(client, "SELECT pg_backend_pid()");
                assertNotEquals(firstServer, server, "a new server connection");
            }
            pgmux.awaitNothingHeld(USER, 0);
        }
    }
}
