package io.pgmux.proxy.pool;

import io.netty.channel.embedded.EmbeddedChannel;
import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.config.PoolMode;
import io.pgmux.proxy.config.PreparedStatementMode;
import io.pgmux.proxy.config.SessionFeaturesConfig;
import io.pgmux.proxy.config.SessionFeaturesPolicy;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The plumbing of the pool tests that play logins with a {@link FakeOpener}: clients on event loops
 * of their own (embedded channels, released by {@link #close()} with the opener's, after each test
 * when registered as an extension), and settings that differ only in the sizes under test.
 *
 * <pre>&#64;RegisterExtension final TestLoops loops = new TestLoops();</pre>
 */
final class TestLoops implements AutoCloseable, AfterEachCallback {
    final FakeOpener opener = new FakeOpener();
    private final List<EmbeddedChannel> loops = new ArrayList<>();

    /** A client on an event loop of its own. */
    TestWaiter waiter() {
        EmbeddedChannel loop = new EmbeddedChannel();
        loops.add(loop);
        return new TestWaiter(loop);
    }

    /** A client gets a newly opened server and keeps it. */
    ServerConnection holdOne(Pool pool) {
        TestWaiter holder = waiter();
        pool.acquire(holder);
        ServerConnection server = opener.loginNext();
        assertSame(server, holder.server());
        return server;
    }

    /**
     * Settings of pool {@code database}/{@code user} on an address that never resolves, with the
     * sizes given: {@code poolSize}, {@code minPoolSize}, {@code reservePoolSize} after {@code reserveTimeout};
     * query_wait_timeout 2 s, server_login_retry 1 s, server_idle_timeout {@code idleTimeout}, the server check's defaults.
     */
    static PoolSettings settings(String database, String user, int poolSize, int minPoolSize, int reservePoolSize,
                                 Duration reserveTimeout, Duration idleTimeout) {
        return new PoolSettings(new HostPort("db.invalid", 5432), database, user, "secret", poolSize, PoolMode.TRANSACTION,
                Duration.ofSeconds(2), Duration.ofSeconds(15), Duration.ofSeconds(1), idleTimeout, Duration.ZERO,
                "DISCARD ALL", PreparedStatementMode.REWRITE, 200, 10_000, 16 << 20, minPoolSize, reservePoolSize,
                reserveTimeout, Duration.ofSeconds(30), "", SessionFeaturesPolicy.PIN, SessionFeaturesConfig.maxPinnedServers(0, poolSize));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        close();
    }

    @Override
    public void close() {
        opener.releaseAll();
        loops.forEach(EmbeddedChannel::finishAndReleaseAll);
    }
}
