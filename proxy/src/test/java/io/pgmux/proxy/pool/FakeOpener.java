package io.pgmux.proxy.pool;

import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.backend.ServerLifecycle;
import io.pgmux.proxy.backend.ServerOpener;
import io.pgmux.proxy.backend.ServerTarget;
import io.pgmux.proxy.backend.TestServerConnections;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * A server opener with no network: it notes what the pool asks for, and the test says when a server
 * logs in (on a channel of its own) or fails to. A server that logged in reports its close to the
 * pool as the real connection does, so a pool that terminates it sees it leave; a test can hold
 * those reports back to see a retired server while it is still closing.
 */
final class FakeOpener implements ServerOpener {
    /** One call of {@link #open}. */
    record Request(ServerTarget target, ServerLifecycle lifecycle, EventLoop preferredLoop) {}

    private final ArrayDeque<Request> requests = new ArrayDeque<>();
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private boolean holdCloseReports;
    private final List<Runnable> heldCloseReports = new ArrayList<>();

    @Override
    public void open(ServerTarget target, ServerLifecycle lifecycle, EventLoop preferredLoop) {
        requests.addLast(new Request(target, lifecycle, preferredLoop));
    }

    /** Requests not yet played. */
    int pending() {
        return requests.size();
    }

    Request oldest() {
        Request request = requests.peekFirst();
        if (request == null) {
            throw new AssertionError("the pool asked for no server");
        }
        return request;
    }

    /** The oldest request logs in on a channel of its own. */
    ServerConnection loginNext() {
        return loginNext(new EmbeddedChannel());
    }

    /** The oldest request logs in on {@code channel}, whose event loop is then the server's. */
    ServerConnection loginNext(EmbeddedChannel channel) {
        ServerLifecycle lifecycle = oldest().lifecycle();
        ServerConnection server = openNext(channel);
        lifecycle.onServerReady(server);
        return server;
    }

    /** The pool asked for exactly one server; it logs in and serves {@code client}. */
    void loginTheOnlyRequestFor(TestWaiter client) {
        assertEquals(1, pending(), "servers the pool asked for");
        assertSame(loginNext(), client.server());
    }

    /** The oldest request starts connecting, on a channel of its own; the test plays the rest through the pool. */
    ServerConnection openNext() {
        return openNext(new EmbeddedChannel());
    }

    private ServerConnection openNext(EmbeddedChannel channel) {
        Request request = oldest();
        requests.removeFirst();
        ServerConnection server = TestServerConnections.on(channel);
        channels.add(channel);
        request.lifecycle().onServerOpening(server);
        channel.closeFuture().addListener(future -> reportClose(() -> request.lifecycle().onServerClosed(server)));
        return server;
    }

    /** From now on a server's close reaches the pool only when {@link #reportHeldCloses} says so. */
    void holdCloseReports() {
        holdCloseReports = true;
    }

    /** Tells the pool of the closes held back; returns how many. */
    int reportHeldCloses() {
        List<Runnable> reports = new ArrayList<>(heldCloseReports);
        heldCloseReports.clear();
        reports.forEach(Runnable::run);
        return reports.size();
    }

    private void reportClose(Runnable report) {
        if (holdCloseReports) {
            heldCloseReports.add(report);
        } else {
            report.run();
        }
    }

    /** The oldest request cannot log in: Postgres said {@code error}. */
    void failNext(ErrorResponse error) {
        Request request = oldest();
        requests.removeFirst();
        EmbeddedChannel channel = new EmbeddedChannel();
        channels.add(channel);
        ServerConnection server = TestServerConnections.on(channel);
        request.lifecycle().onServerOpening(server);
        request.lifecycle().onServerLoginFailed(server, error);
    }

    /** The oldest request fails before any connection was made (its host did not resolve). */
    void failNextBeforeOpening(ErrorResponse error) {
        Request request = oldest();
        requests.removeFirst();
        EmbeddedChannel channel = new EmbeddedChannel();
        channels.add(channel);
        request.lifecycle().onServerLoginFailed(TestServerConnections.on(channel), error);
    }

    /** Closes every server channel and releases what was written to them (Terminate messages). */
    void releaseAll() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }
}
