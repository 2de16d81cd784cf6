package io.pgmux.proxy.backend;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.pgmux.protocol.message.Messages;
import io.pgmux.proxy.net.FrameDecoder;
import io.pgmux.proxy.net.Outbox;
import io.pgmux.proxy.prepared.ServerStatements;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One connection from pgmux to a Postgres server. Its socket lives on one event loop; between
 * logins it belongs to its pool, and while a client holds it, to that client's session, which is
 * the only one to send on it and receives its frames (see {@link ServerListener}). Hand-over
 * between holders goes through the pool's lock, which orders their memory effects.
 */
public final class ServerConnection {
    private static final AtomicLong IDS = new AtomicLong();

    private final long id = IDS.incrementAndGet();
    private final ServerConnector connector;
    /** Where it connected (the last address tried); null before its first connect. */
    private volatile InetSocketAddress address;
    private final long createdAtNanos = System.nanoTime();
    private final ServerParameters parameters = new ServerParameters();
    private final ServerStatements statements = new ServerStatements();
    private final CancelsInFlight cancels = new CancelsInFlight();
    private Channel channel;
    private volatile ServerListener listener;
    /** When the pool last handed it to a client (its creation if never): read by SHOW SERVERS. */
    private volatile long assignedAtNanos = createdAtNanos;
    private int processId;
    private int secretKey;
    private long idleSinceNanos = createdAtNanos;
    /** SHOW SERVERS' {@code tls}: protocol and cipher once TLS is up; "" without TLS. */
    private volatile String tls = "";
    /** NONE for a pooled server; what a replication client asked for, for its own server. */
    private volatile Replication replication = Replication.NONE;

    ServerConnection(ServerConnector connector) {
        this.connector = connector;
    }

    /** Each connect attempt binds its channel and address (a host name may have several, tried in turn). */
    void bind(Channel channel, InetSocketAddress address) {
        this.channel = channel;
        this.address = address;
    }

    void setTls(String description) {
        this.tls = description;
    }

    void setReplication(Replication replication) {
        this.replication = replication;
    }

    /** SHOW SERVERS' {@code replication}: NONE for a pooled server. */
    public Replication replication() {
        return replication;
    }

    /**
     * From now on the server's bytes reach its holder as they are read, not cut into messages (a
     * replication client's server: a CopyBoth stream goes through untouched). Bytes already read
     * and not yet handed out follow, in order. Takes effect on the server's loop.
     */
    public void passBytesThrough() {
        Runnable remove = () -> {
            if (channel.pipeline().get(FrameDecoder.class) != null) {
                channel.pipeline().remove(FrameDecoder.class);
            }
        };
        if (channel.eventLoop().inEventLoop()) {
            remove.run();
        } else {
            channel.eventLoop().execute(remove);
        }
    }

    /** How the connection is encrypted ({@code TLSv1.3/TLS_AES_256_GCM_SHA384}); "" when it is not. */
    public String tls() {
        return tls;
    }

    void setCancelKey(int processId, int secretKey) {
        this.processId = processId;
        this.secretKey = secretKey;
    }

    public long id() {
        return id;
    }

    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    public Channel channel() {
        return channel;
    }

    public int processId() {
        return processId;
    }

    public long createdAtNanos() {
        return createdAtNanos;
    }

    public long assignedAtNanos() {
        return assignedAtNanos;
    }

    public ServerParameters parameters() {
        return parameters;
    }

    /** The prepared statements this server holds (for its current holder). */
    public ServerStatements statements() {
        return statements;
    }

    public ServerListener listener() {
        return listener;
    }

    /** Called by the pool, under its lock: the next holder, or null when the server goes idle. */
    public void assignTo(ServerListener holder) {
        if (holder != null) {
            assignedAtNanos = System.nanoTime();
        }
        this.listener = holder;
    }

    public void markIdle() {
        idleSinceNanos = System.nanoTime();
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    public boolean isExpired(long nowNanos, Duration lifetime) {
        return !lifetime.isZero() && nowNanos - createdAtNanos > lifetime.toNanos();
    }

    public boolean isIdleLongerThan(long nowNanos, Duration idleTimeout) {
        return !idleTimeout.isZero() && nowNanos - idleSinceNanos > idleTimeout.toNanos();
    }

    /** Writes what the outbox holds, from any thread. */
    public void send(Outbox outbox) {
        outbox.flushTo(channel);
    }

    public void pauseReading() {
        channel.config().setAutoRead(false);
    }

    public void resumeReading() {
        channel.config().setAutoRead(true);
    }

    public boolean isWritable() {
        return channel.isWritable();
    }

    /**
     * Checks, on the server's loop, that the server still answers: {@code query} (or a Sync when it
     * is empty) must come back idle and without error within {@code limit}. Only while no client
     * holds it. {@code outcome} gets null if it passed, else why not; it is called on the server's
     * loop, and a server that failed is still open (the caller closes it).
     */
    public void check(String query, Duration limit, Consumer<String> outcome) {
        channel.eventLoop().execute(() -> {
            ServerHandler handler = channel.pipeline().get(ServerHandler.class);
            if (handler == null) {
                outcome.accept("the connection is closed");
            } else {
                handler.startCheck(channel.pipeline().context(handler), query, limit, outcome);
            }
        });
    }

    /** Whether it has been idle longer than {@code delay} (any time at all when {@code delay} is zero). */
    public boolean isIdleAtLeast(long nowNanos, Duration delay) {
        return nowNanos - idleSinceNanos >= delay.toNanos();
    }

    /**
     * Tells {@code holder} ({@link ServerListener#onServerWritable}) when everything sent so far has
     * reached the socket's buffer and it can take more: for a holder on another loop, which cannot
     * see that itself, after it stopped reading its client behind a large message.
     */
    public void notifyWhenWritable(ServerListener holder) {
        channel.eventLoop().execute(() -> {
            if (channel.isWritable()) {
                holder.executor().execute(() -> holder.onServerWritable(this));
            } // else the change to writable tells it (ServerHandler.channelWritabilityChanged)
        });
    }

    /** Asks Postgres, on a new connection, to cancel whatever this connection is running. */
    public void cancel() {
        cancel(() -> { });
    }

    /**
     * As {@link #cancel()}; {@code done} runs when Postgres has answered (or at once if nothing was
     * sent). The cancel counts as in flight until then, and a holder giving the server back waits for
     * it in {@link #deferWhileCancelling}. While one cancel is on its way no other is sent: a client
     * repeating its CancelRequest costs Postgres one connection at a time, not one each.
     */
    public void cancel(Runnable done) {
        if (!cancels.start()) {
            cancels.finish();
            done.run();
            return;
        }
        connector.sendCancel(eventLoop(), address, processId, secretKey, () -> {
            cancels.finish();
            done.run();
        });
    }

    /** Whether a cancel sent for this connection is still on its way (see {@link #deferWhileCancelling}). */
    public boolean cancelling() {
        return cancels.inFlight();
    }

    /**
     * While a cancel sent for this connection is still on its way, {@code then} is kept for when it
     * has landed and this returns true; false when there is none.
     */
    public boolean deferWhileCancelling(Runnable then) {
        return cancels.deferUntilDone(then);
    }

    /** Says goodbye politely (Terminate) and closes. */
    public void terminate() {
        if (channel.isActive()) {
            channel.writeAndFlush(Messages.terminate()).addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.close();
        }
    }

    /** Closes at once: the connection's state is unknown and must not be reused. */
    public void close() {
        channel.close();
    }

    @Override
    public String toString() {
        return "s" + id;
    }
}
