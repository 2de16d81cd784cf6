package io.pgmux.proxy.auth;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.message.Bind;
import io.pgmux.protocol.message.DataRow;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Execute;
import io.pgmux.protocol.message.Messages;
import io.pgmux.protocol.message.Parse;
import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.backend.ServerLifecycle;
import io.pgmux.proxy.backend.ServerListener;
import io.pgmux.proxy.backend.ServerOpener;
import io.pgmux.proxy.backend.ServerTarget;
import io.pgmux.proxy.config.Units;
import io.pgmux.proxy.net.MessageChunk;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One server connection of pgmux's own that runs lookups ({@code auth_query}, group membership),
 * one at a time, for every client whose secret comes from that target. Each lookup is one
 * statement with text parameters; its answer is its first row (null for none). Not a pool: nobody but lookups waits for it.
 * Opened at the first lookup and again after it closes. Everything happens on its one event loop.
 *
 * <pre>
 *   closed --lookup--&gt; connecting --ready--&gt; idle --lookup--&gt; querying --ReadyForQuery--&gt; idle
 *   (a login failure fails every queued lookup; a close fails the running one; each lookup
 *    fails on its own after server_connect_timeout, and if it was running the connection closes)
 * </pre>
 */
final class AuthQueryConnection implements ServerLifecycle, ServerListener {
    private static final Logger log = LoggerFactory.getLogger(AuthQueryConnection.class);

    /** {@code what} names it in errors: "auth_query", "the group membership query". */
    private record Lookup(String what, String sql, List<String> parameters, CompletableFuture<List<String>> result) {}

    private final ServerOpener opener;
    private final ServerTarget target;
    private final EventLoop loop;
    private final ArrayDeque<Lookup> queued = new ArrayDeque<>();
    private ServerConnection server;
    private boolean connecting;
    private boolean closed;
    private Lookup running;
    private boolean rowSeen;
    private List<String> firstRow;
    private ErrorResponse error;

    AuthQueryConnection(ServerOpener opener, ServerTarget target, EventLoop loop) {
        this.opener = opener;
        this.target = target;
        this.loop = loop;
    }

    /**
     * Runs {@code sql} with {@code parameters}; {@code result} gets its first row (null if none), or
     * fails with {@link AuthLookupException}, at the latest after server_connect_timeout.
     */
    void run(String what, String sql, List<String> parameters, CompletableFuture<List<String>> result) {
        loop.execute(() -> {
            Lookup lookup = new Lookup(what, sql, parameters, result);
            if (closed) {
                result.completeExceptionally(new AuthLookupException("pgmux is reloading its auth_query settings"));
                return;
            }
            long timeoutMillis = target.connectTimeout().toMillis();
            if (timeoutMillis > 0) {
                ScheduledFuture<?> timer = loop.schedule(() -> onTimeout(lookup), timeoutMillis, TimeUnit.MILLISECONDS);
                result.whenComplete((secret, failure) -> timer.cancel(false));
            }
            queued.add(lookup);
            next();
        });
    }

    /** No more lookups: the connection closes (at once, failing the running one). */
    void close() {
        loop.execute(() -> {
            closed = true;
            failQueued("pgmux is reloading its auth_query settings");
            if (server != null) {
                server.terminate();
            }
        });
    }

    private void next() {
        while (running == null && !queued.isEmpty()) {
            if (server == null) {
                if (!connecting && !closed) {
                    connecting = true;
                    opener.open(target, this, loop);
                }
                return;
            }
            Lookup lookup = queued.poll();
            if (!lookup.result().isDone()) {
                start(lookup);
            }
        }
    }

    private void start(Lookup lookup) {
        running = lookup;
        rowSeen = false;
        firstRow = null;
        error = null;
        CompositeByteBuf out = server.channel().alloc().compositeBuffer();
        out.addComponent(true, new Parse("", lookup.sql(), new int[0]).encode(server.channel().alloc()));
        out.addComponent(true, Bind.of("", "", lookup.parameters()).encode(server.channel().alloc()));
        out.addComponent(true, new Execute("", 0).encode(server.channel().alloc()));
        out.addComponent(true, Messages.sync());
        server.channel().writeAndFlush(out);
    }

    private void onTimeout(Lookup lookup) {
        String message = lookup.what() + " did not answer within " + Units.formatDuration(target.connectTimeout())
                + " (server_connect_timeout)";
        if (lookup.result().completeExceptionally(new AuthLookupException(message)) && lookup == running && server != null) {
            log.warn("[auth {}] {}; closing its connection", target, message);
            server.close(); // its answer, if it ever comes, must not be taken for the next lookup's
        }
    }

    private void failQueued(String message) {
        Lookup lookup;
        while ((lookup = queued.poll()) != null) {
            lookup.result().completeExceptionally(new AuthLookupException(message));
        }
    }

    // ---------------------------------------------------------------- the server connection

    @Override
    public String name() {
        return "auth " + target;
    }

    @Override
    public void onServerOpening(ServerConnection opening) {
    }

    @Override
    public void onServerReady(ServerConnection ready) {
        connecting = false;
        if (closed) {
            ready.terminate();
            return;
        }
        server = ready;
        ready.assignTo(this);
        next();
    }

    @Override
    public void onServerLoginFailed(ServerConnection failed, ErrorResponse loginError) {
        loop.execute(() -> {
            connecting = false;
            log.warn("[auth {}] cannot log in to run auth_query: {}", target, loginError.message());
            failQueued("pgmux cannot log in as auth_user to look users up: " + loginError.message());
        });
    }

    /** As its owner and as its listener, it hears of the close twice: the first does the work. */
    @Override
    public void onServerClosed(ServerConnection gone) {
        loop.execute(() -> {
            if (gone != server) {
                return;
            }
            server = null;
            Lookup lookup = running;
            running = null;
            if (lookup != null) {
                lookup.result().completeExceptionally(new AuthLookupException("the auth_query connection closed"));
            }
            next();
        });
    }

    @Override
    public EventExecutor executor() {
        return loop;
    }

    @Override
    public void onServerFrames(ServerConnection from, List<ByteBuf> frames) {
        for (ByteBuf frame : frames) {
            try {
                onFrame(frame);
            } finally {
                frame.release();
            }
        }
    }

    private void onFrame(ByteBuf frame) {
        switch (Frames.type(frame)) {
            case Backend.DATA_ROW -> {
                if (!rowSeen) {
                    firstRow = DataRow.decode(frame).values();
                    rowSeen = true;
                }
            }
            case Backend.ERROR_RESPONSE -> error = ErrorResponse.decode(frame);
            case Backend.READY_FOR_QUERY -> finishRunning();
            default -> {
                // ParseComplete, BindComplete, CommandComplete, notices: nothing to learn
            }
        }
    }

    private void finishRunning() {
        Lookup lookup = running;
        running = null;
        if (lookup != null) {
            if (error != null) {
                log.warn("[auth {}] {} failed: {}", target, lookup.what(), error.message());
                lookup.result().completeExceptionally(new AuthLookupException(lookup.what() + " failed: " + error.message()));
            } else {
                lookup.result().complete(firstRow);
            }
        }
        next();
    }

    @Override
    public void onServerChunk(ServerConnection from, MessageChunk chunk) {
        chunk.release(); // a secret is never that long: this is no answer of auth_query's
        from.close();
    }

    @Override
    public void onServerOutOfMemory(ServerConnection from) {
    }

    @Override
    public void onServerWritable(ServerConnection from) {
    }
}
