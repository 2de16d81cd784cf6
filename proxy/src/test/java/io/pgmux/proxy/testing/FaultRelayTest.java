package io.pgmux.proxy.testing;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fault relay in front of an echo server of the test's own (blocking sockets, one thread per
 * connection): what passes, what waits, what is dropped or reset, and what is counted.
 */
class FaultRelayTest {
    private static final int READ_TIMEOUT_MILLIS = 5_000;
    private static final int QUIET_MILLIS = 300;

    private EchoServer echo;
    private FaultRelay relay;
    private final List<Socket> clients = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        echo = new EchoServer();
        relay = FaultRelay.to("127.0.0.1", echo.port());
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket client : clients) {
            client.close();
        }
        relay.close();
        echo.close();
    }

    @Test
    void bytesPassBothWaysAndConnectionsAreCounted() throws IOException {
        Socket client = connect();
        assertEquals("hello", roundTrip(client, "hello"));
        Socket another = connect();
        assertEquals("again", roundTrip(another, "again"));

        assertEquals(2, relay.accepted());
        assertEquals(4, relay.openSockets(), relay::toString);
        assertEquals(2, echo.accepted.get());
    }

    @Test
    void aPausedRelayKeepsTheBytesAndDeliversThemWhenItPassesAgain() throws IOException {
        Socket client = connect();
        roundTrip(client, "warm");

        relay.pause();
        send(client, "held");
        assertNothingWithin(client, QUIET_MILLIS);
        assertEquals(2, relay.openSockets(), "both sockets stay open");

        relay.pass();
        assertEquals("held", read(client, 4));
    }

    @Test
    void heldClosesLeaveTheOtherSideOpenUntilTheRelayPassesAgain() throws IOException {
        Socket client = connect();
        roundTrip(client, "warm");

        relay.holdCloses();
        echo.close(); // the target ends the connection
        TestSql.await("the relay saw the target close", () -> relay.openSockets() == 1);
        assertNothingWithin(client, QUIET_MILLIS); // no end of stream: the close was not passed on

        relay.pass();
        client.setSoTimeout(READ_TIMEOUT_MILLIS);
        assertEquals(-1, client.getInputStream().read());
    }

    @Test
    void aBlackholeDropsOneDirectionSilently() throws IOException {
        Socket client = connect();
        roundTrip(client, "warm");

        // towards the target: the echo server never sees the bytes
        relay.blackhole(FaultRelay.Direction.TO_TARGET);
        send(client, "lost");
        assertNothingWithin(client, QUIET_MILLIS);

        // back to the client: the echo server answers, but nothing comes back
        relay.pass();
        relay.blackhole(FaultRelay.Direction.TO_CLIENT);
        send(client, "gone");
        assertNothingWithin(client, QUIET_MILLIS);
        TestSql.await("the echo server got the second message", () -> echo.bytes.get() == "warmgone".length());

        // and when it passes again, the connection still works
        relay.pass();
        assertEquals("after", roundTrip(client, "after"));
    }

    @Test
    void resetAllResetsEveryOpenConnectionOnBothSides() throws IOException {
        Socket client = connect();
        roundTrip(client, "warm");

        relay.resetAll();

        client.setSoTimeout(READ_TIMEOUT_MILLIS);
        SocketException reset = assertThrows(SocketException.class, () -> client.getInputStream().read());
        assertTrue(reset.getMessage().toLowerCase().contains("reset"), reset::getMessage);
        TestSql.await("the echo server saw its connection end", () -> echo.ended.get() == 1);
        assertEquals(0, relay.openSockets(), relay::toString);
    }

    @Test
    void refusedConnectionsAreResetAtOnceButCountedAndPassResumes() throws IOException {
        relay.refuseNew();
        for (int i = 0; i < 3; i++) {
            Socket refused = connect();
            refused.setSoTimeout(READ_TIMEOUT_MILLIS);
            assertThrows(SocketException.class, () -> {
                refused.getOutputStream().write(1);
                refused.getInputStream().read();
            });
        }
        assertEquals(3, relay.accepted());
        assertEquals(0, echo.accepted.get(), "nothing reached the target");

        relay.pass();
        assertEquals("back", roundTrip(connect(), "back"));
        assertEquals(4, relay.accepted());
    }

    @Test
    void aDelayedRelayForwardsEachChunkLate() throws IOException {
        Socket client = connect();
        roundTrip(client, "warm");

        relay.delay(Duration.ofMillis(200));
        long start = System.nanoTime();
        assertEquals("slow", roundTrip(client, "slow"));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis >= 400, () -> "a round trip through two delays took " + millis + " ms");
    }

    // ---------------------------------------------------------------- plumbing

    private Socket connect() throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), relay.port());
        clients.add(socket);
        return socket;
    }

    private static String roundTrip(Socket client, String text) throws IOException {
        send(client, text);
        return read(client, text.length());
    }

    private static void send(Socket client, String text) throws IOException {
        OutputStream out = client.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static String read(Socket client, int length) throws IOException {
        client.setSoTimeout(READ_TIMEOUT_MILLIS);
        byte[] bytes = client.getInputStream().readNBytes(length);
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    private static void assertNothingWithin(Socket client, int millis) throws IOException {
        client.setSoTimeout(millis);
        assertThrows(SocketTimeoutException.class, () -> client.getInputStream().read());
    }

    /** Echoes every byte back; counts connections accepted and ended, and bytes received. */
    private static final class EchoServer implements AutoCloseable {
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger ended = new AtomicInteger();
        final AtomicInteger bytes = new AtomicInteger();
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();

        EchoServer() throws IOException {
            Thread acceptor = new Thread(this::acceptAll, "echo-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void acceptAll() {
            try {
                while (true) {
                    Socket socket = server.accept();
                    accepted.incrementAndGet();
                    sockets.add(socket);
                    Thread echoer = new Thread(() -> echo(socket), "echo");
                    echoer.setDaemon(true);
                    echoer.start();
                }
            } catch (IOException closed) {
                // the test is over
            }
        }

        private void echo(Socket socket) {
            try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
                byte[] buffer = new byte[4096];
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    bytes.addAndGet(n);
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // reset: counted below like an orderly end
            } finally {
                ended.incrementAndGet();
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }
}
