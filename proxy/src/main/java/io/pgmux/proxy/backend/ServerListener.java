package io.pgmux.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import io.pgmux.proxy.net.MessageChunk;

import java.util.List;

/**
 * The holder of a server connection: the client session it is assigned to (its {@code ServerHold}).
 * The server's own event loop reads frames and hands them over in batches on {@link #executor()},
 * the holder's loop, so that everything a session decides happens on one thread.
 */
public interface ServerListener {

    EventExecutor executor();

    /** Frames read from the server, in order; the listener owns them (not the list, which it must not keep). */
    void onServerFrames(ServerConnection server, List<ByteBuf> frames);

    /**
     * More of the message that ended the last batch (its head, see {@code FrameDecoder}): it goes
     * where the head went. The listener owns the chunk. Handed over from another loop, it comes
     * with the server's reading paused, one chunk in flight at a time: the listener resumes it
     * ({@link ServerConnection#resumeReading}) once it can take more.
     */
    void onServerChunk(ServerConnection server, MessageChunk chunk);

    /**
     * pgmux could not get memory for the server's data (direct memory exhausted): the connection is
     * being closed, in the middle of whatever it was sending. {@link #onServerClosed} follows.
     */
    void onServerOutOfMemory(ServerConnection server);

    /** The server's connection closed; frames read before it were delivered first. */
    void onServerClosed(ServerConnection server);

    /** The server's socket can take more data again. */
    void onServerWritable(ServerConnection server);

    /**
     * The pool retired the held server (RECONNECT, a reload that changed its upstream, PAUSE) and
     * wants it closed as soon as no transaction is open on it ({@code server_fast_close}, session mode).
     */
    default void onServerRetired(ServerConnection server) {
    }
}
