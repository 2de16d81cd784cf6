package io.pgmux.proxy.it;

import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.uring.IoUringChannelOption;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Query;
import io.pgmux.proxy.net.Transport;
import io.pgmux.proxy.pool.ServerState;
import io.pgmux.proxy.testing.FaultRelay;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code tcp_keepalive}, {@code tcp_keepidle}, {@code tcp_keepintvl}, {@code tcp_keepcnt} and
 * {@code tcp_user_timeout} on real sockets, both sides, and a path to Postgres that stops taking
 * data detected by {@code tcp_user_timeout}. Linux (epoll or io_uring) only. Every wait is bounded.
 */
class TcpKeepaliveIT {
    private static final String USER = "tcp_user";
    private static final String TABLE = "tcp_copy";
    private static final Pattern KEEPALIVE_TIMER = Pattern.compile("timer:\\(keepalive,(\\d+)(ms|sec|min)");

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().role(USER).table(TABLE, "line text");

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring"})
    void clientAndServerSocketsCarryTheConfiguredSettings(String transport) throws Exception {
        assumeTrue(transport.equals("epoll") ? Epoll.isAvailable() : Transport.ioUringAvailable(), "the timings need " + transport);
        Pgmux pgmux = fixture.start("transport: " + transport
                + "\ntcp_keepidle: 30\ntcp_keepintvl: 5\ntcp_keepcnt: 3\ntcp_user_timeout: 4000\n");
        assertEquals(transport, pgmux.server().transportName());
        try (RawClient client = pgmux.raw(USER)) {
            TestSql.assertOk(client.query("SELECT 1"));

            // the server side: the kernel's own values, read back from pgmux's server socket
            List<ServerState> servers = pgmux.pool(USER).servers();
            assertFalse(servers.isEmpty());
            Channel server = servers.get(0).server().channel();
            assertEquals(true, server.config().getOption(ChannelOption.SO_KEEPALIVE));
            boolean epoll = transport.equals("epoll");
            ChannelConfig config = server.config();
            assertEquals(30, config.getOption(epoll ? EpollChannelOption.TCP_KEEPIDLE : IoUringChannelOption.TCP_KEEPIDLE));
            assertEquals(5, config.getOption(epoll ? EpollChannelOption.TCP_KEEPINTVL : IoUringChannelOption.TCP_KEEPINTVL));
            assertEquals(3, config.getOption(epoll ? EpollChannelOption.TCP_KEEPCNT : IoUringChannelOption.TCP_KEEPCNT));
            assertEquals(4000, config.getOption(epoll ? EpollChannelOption.TCP_USER_TIMEOUT
                    : IoUringChannelOption.TCP_USER_TIMEOUT));

            // the client side: the kernel's keepalive timer on pgmux's end of the client's connection (the default is 2 h)
            // (ss shows the keepalive timer once nothing is left unacknowledged)
            Matcher timer = KEEPALIVE_TIMER.matcher("");
            String line = "";
            for (int i = 0; i < 50 && !timer.find(); i++) {
                Thread.sleep(i == 0 ? 0 : 100);
                line = socketLine(pgmux.port(), client.localPort());
                timer = KEEPALIVE_TIMER.matcher(line);
            }
            assertTrue(timer.find(0), line);
            assertTrue(!timer.group(2).equals("min") && Integer.parseInt(timer.group(1)) <= 30, line);
        }
    }

    @Test
    void aPathToPostgresThatStopsTakingDataIsDroppedAfterTcpUserTimeoutAndThePoolRecovers() throws Exception {
        assumeTrue(Epoll.isAvailable(), "tcp_user_timeout needs epoll");
        try (FaultRelay relay = FaultRelay.toPostgres()) {
            Pgmux pgmux = fixture.start("upstream: \"" + relay.address() + "\"\npool_size: 1\ntcp_user_timeout: 2s\n"
                    + "query_wait_timeout: 30s\nserver_connect_timeout: 2s\nserver_login_retry: 500ms\n");
            RawClient copier = pgmux.raw(USER);
            try {
                // given a client in the middle of a COPY FROM STDIN
                List<Reply> started = List.of(copier.send(new Query("COPY " + TABLE + " FROM STDIN")).flush().read());
                assertEquals(Backend.COPY_IN_RESPONSE, started.get(0).type(), started::toString);

                // when the path to Postgres stops taking data (nothing is read or acknowledged past the kernel's buffers)
                relay.pause();
                long stalledAt = System.nanoTime();
                AtomicLong sent = new AtomicLong();
                Thread writer = new Thread(() -> writeCopyData(copier, sent), "copy-writer");
                writer.setDaemon(true);
                writer.start();

                // then the server connection is dropped by the kernel soon after tcp_user_timeout, and the client told
                copier.readTimeout(60_000);
                ErrorResponse error = TestSql.nextError(copier);
                double seconds = (System.nanoTime() - stalledAt) / 1e9;
                System.out.printf("path stalled: server connection dropped %.2f s after the stall, %d MB sent by then%n",
                        seconds, sent.get() >> 20);
                assertEquals(SqlState.CONNECTION_FAILURE, error.sqlState(), error::toString);
                assertTrue(seconds < 20, () -> "detected after " + seconds + " s");
                writer.join(TimeUnit.SECONDS.toMillis(10));

                // and when the path works again, the pool opens a new server and serves
                relay.pass();
            } finally {
                copier.kill(); // a close would send Terminate, and block if pgmux no longer read the client
            }
            try (RawClient next = pgmux.raw(USER)) {
                assertEquals("1", TestSql.value(next, "SELECT 1"));
            }
            pgmux.awaitNothingHeld(USER, 0);
        }
    }

    /** CopyData rows of 64 kB until the connection fails (pgmux closed it) or 1 GB went. */
    private static void writeCopyData(RawClient client, AtomicLong sent) {
        byte[] row = new byte[64 * 1024];
        Arrays.fill(row, (byte) 'x');
        row[row.length - 1] = '\n';
        try {
            while (sent.get() < (1L << 30)) {
                client.sendMessage('d', row).flush();
                sent.addAndGet(row.length);
            }
        } catch (IOException expected) {
            // pgmux closed the client once its server was gone
        }
    }

    /** {@code ss}'s line for pgmux's end of the client connection from {@code clientPort}, with its timers. */
    private static String socketLine(int pgmuxPort, int clientPort) throws IOException, InterruptedException {
        Process ss = new ProcessBuilder("ss", "-tnoH", "state", "established",
                "( sport = :" + pgmuxPort + " and dport = :" + clientPort + " )").redirectErrorStream(true).start();
        String out;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(ss.getInputStream(), StandardCharsets.UTF_8))) {
            out = String.join("\n", reader.lines().toList());
        }
        assertTrue(ss.waitFor(10, TimeUnit.SECONDS), "ss ended");
        assertFalse(out.isBlank(), "ss found the connection");
        return out;
    }
}
