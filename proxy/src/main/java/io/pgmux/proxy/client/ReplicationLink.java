package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.BackendKeyData;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.ParameterStatus;
import io.pgmux.protocol.message.ReadyForQuery;
import io.pgmux.proxy.backend.Replication;
import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.net.FrameDecoder;
import io.pgmux.proxy.net.MessageChunk;
import io.pgmux.proxy.net.WriteBatcher;
import io.pgmux.proxy.pool.Pool;
import io.pgmux.proxy.pool.Waiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A replication client (a StartupMessage with {@code replication=true} or {@code database}) and
 * the server of its own that it holds for its whole session, as PgBouncer does: never pooled, never
 * reused, closed when the client leaves. Runs on the client's loop (the server is opened there).
 *
 * <pre>
 *  waiting ──server logged in──▶ relaying ──either side closes──▶ (both closed)
 * </pre>
 *
 * While waiting, the client has nothing to say (it waits for its welcome); what it sends anyway is
 * kept, and its reading paused. Once the server is logged in, the client gets the server's
 * parameters, pgmux's cancel key and ReadyForQuery, and from then on bytes pass through both ways
 * as they are read, not cut into messages: a CopyBoth stream (pg_basebackup, pg_receivewal,
 * START_REPLICATION) is nothing pgmux needs to look into. Memory stays bounded: a side whose peer
 * cannot take more is not read until it can (autoread).
 */
final class ReplicationLink implements Waiter {
    private static final Logger log = LoggerFactory.getLogger(ReplicationLink.class);

    private final ClientSession session;
    private final Channel channel;
    private final WriteBatcher toClient;
    private final ReadPauses readPauses;
    private final Replication kind;
    /** What the client sent before its welcome, in order; forwarded first. */
    private final List<ByteBuf> early = new ArrayList<>(2);
    private ServerConnection server;
    private boolean clientGone;
    private long bytesFromClient;
    private long bytesToClient;

    ReplicationLink(ClientSession session, Channel channel, WriteBatcher toClient, ReadPauses readPauses, Replication kind) {
        this.session = session;
        this.channel = channel;
        this.toClient = toClient;
        this.readPauses = readPauses;
        this.kind = kind;
    }

    /** Whether the bytes pass through: an error pgmux wrote now could land in the middle of a message. */
    boolean relaying() {
        return server != null;
    }

    /** The server of its own, or null while it is being opened. */
    ServerConnection server() {
        return server;
    }

    /** Asks {@code pool} for a server opened with {@code startup}, the client's own parameters. */
    void start(Pool pool, Map<String, String> startup) {
        pool.acquireDedicated(this, startup);
    }

    @Override
    public EventExecutor executor() {
        return session.executor();
    }

    @Override
    public void onServerAssigned(ServerConnection assigned) {
        if (clientGone) {
            assigned.close(); // nothing was sent on it; its close frees its slot
            return;
        }
        server = assigned;
        session.pool().stats().onClientWaited(System.nanoTime() - session.waitStartedNanos());
        session.pool().stats().onServerAssigned();
        server.passBytesThrough();
        session.login().cancelTimeout();
        assigned.parameters().reported().forEach((name, value) -> session.writeToClient(new ParameterStatus(name, value)));
        session.writeToClient(new BackendKeyData(session.processId(), session.secretKey()));
        session.writeToClient(new ReadyForQuery(TransactionStatus.IDLE));
        session.flushClient();
        log.info("c{} [{}] {} replication connection to server {}", session.id(), session.poolName(), kind.shown(), server);
        for (ByteBuf buf : early) {
            sendToServer(buf);
        }
        early.clear();
        server.channel().flush();
        // Bytes the client's decoder holds come out of it now, in order, as they are (see fromClient).
        if (channel.pipeline().get(FrameDecoder.class) != null) {
            channel.pipeline().remove(FrameDecoder.class);
        }
        readPauses.resume(ReadPauses.WAITING);
    }

    @Override
    public void onAcquireFailed(ErrorResponse error) {
        if (clientGone) {
            return;
        }
        session.fatal(error.withSeverity(ErrorResponse.FATAL));
    }

    /** Bytes (a frame before the welcome, raw bytes after it) from the client. */
    void fromClient(ByteBuf buf) {
        if (server == null) {
            early.add(buf);
            readPauses.pause(ReadPauses.WAITING);
            return;
        }
        sendToServer(buf);
    }

    private void sendToServer(ByteBuf buf) {
        bytesFromClient += buf.readableBytes();
        server.channel().write(buf, server.channel().voidPromise());
    }

    /** The end of a read from the client: what it sent goes out, and reading pauses while the server cannot take more. */
    void onClientReadComplete() {
        if (server == null) {
            return;
        }
        server.channel().flush();
        if (!server.isWritable()) {
            readPauses.pause(ReadPauses.SERVER_FULL);
            server.notifyWhenWritable(this);
        }
    }

    @Override
    public void onServerWritable(ServerConnection from) {
        readPauses.resume(ReadPauses.SERVER_FULL);
    }

    @Override
    public void onServerFrames(ServerConnection from, List<ByteBuf> bufs) {
        if (clientGone || from != server) {
            bufs.forEach(ReferenceCountUtil::release);
            return;
        }
        for (ByteBuf buf : bufs) {
            bytesToClient += buf.readableBytes();
            toClient.write(buf);
        }
        session.flushClient();
        if (!channel.isWritable()) {
            server.pauseReading(); // resumed by onClientWritable
        }
    }

    @Override
    public void onServerChunk(ServerConnection from, MessageChunk chunk) {
        chunk.release(); // bytes pass through unframed: no chunks come
    }

    /** The client can take more: the server is read again. */
    void onClientWritable() {
        if (server != null && !clientGone) {
            server.resumeReading();
        }
    }

    @Override
    public void onServerOutOfMemory(ServerConnection from) {
        log.warn("c{} [{}] out of memory for the data of replication server {}; closing the client", session.id(),
                session.poolName(), from);
        channel.close();
    }

    /** The server ended the session (or went away): what it sent reaches the client, then the client is closed. */
    @Override
    public void onServerClosed(ServerConnection from) {
        if (clientGone || from != server) {
            return;
        }
        log.debug("c{} [{}] replication server {} closed; closing the client", session.id(), session.poolName(), from);
        session.flushClient();
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /** The client left: its server closes with it (a replication server is never reused). */
    void onClientGone(Pool pool) {
        clientGone = true;
        early.forEach(ReferenceCountUtil::release);
        early.clear();
        if (server != null) {
            server.close();
        } else if (pool != null) {
            pool.cancelWait(this); // false: the server is on its way, and onServerAssigned closes it
        }
    }

    /** Tells the pool the bytes counted since the last time. */
    void reportBytes(Pool pool) {
        if (bytesFromClient != 0 || bytesToClient != 0) {
            pool.stats().onBytesFromClient(bytesFromClient);
            pool.stats().onBytesToClient(bytesToClient);
            bytesFromClient = 0;
            bytesToClient = 0;
        }
    }
}
