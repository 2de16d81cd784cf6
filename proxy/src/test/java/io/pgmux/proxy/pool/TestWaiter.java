package io.pgmux.proxy.pool;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.EventExecutor;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.net.MessageChunk;

import java.util.ArrayList;
import java.util.List;

/**
 * A client queued for a server, noting what it is given. On an embedded channel's event loop, what
 * the pool hands over is a call and what it posts (failures) waits for {@link #runTasks()}.
 */
class TestWaiter implements Waiter {
    private final EventExecutor executor;
    private final EmbeddedChannel loop;
    final List<ServerConnection> assigned = new ArrayList<>();
    final List<ErrorResponse> failures = new ArrayList<>();

    TestWaiter(EmbeddedChannel loop) {
        this.executor = loop.eventLoop();
        this.loop = loop;
    }

    /** On a real event loop, where the pool's posted tasks run by themselves. */
    TestWaiter(EventExecutor executor) {
        this.executor = executor;
        this.loop = null;
    }

    /** Runs what the pool posted to this waiter's embedded loop. */
    TestWaiter runTasks() {
        loop.runPendingTasks();
        return this;
    }

    /** The one server it got. */
    ServerConnection server() {
        if (assigned.size() != 1) {
            throw new AssertionError("expected one server, got " + assigned);
        }
        return assigned.get(0);
    }

    @Override
    public EventExecutor executor() {
        return executor;
    }

    @Override
    public void onServerAssigned(ServerConnection server) { assigned.add(server); }

    @Override
    public void onAcquireFailed(ErrorResponse error) { failures.add(error); }

    @Override
    public void onServerFrames(ServerConnection server, List<ByteBuf> frames) { frames.forEach(ByteBuf::release); }

    @Override
    public void onServerClosed(ServerConnection server) {}

    @Override
    public void onServerWritable(ServerConnection server) {}

    @Override
    public void onServerChunk(ServerConnection server, MessageChunk chunk) {
        chunk.release();
    }

    @Override
    public void onServerOutOfMemory(ServerConnection server) {}
}
