package io.pgmux.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;

import java.util.List;

/**
 * The holder of a server connection: the client session it is assigned to. The server's own event
 * loop reads frames and hands them over in batches on {@link #executor()}, the holder's loop, so
 * that everything a session decides happens on one thread.
 */
public interface ServerListener {

    EventExecutor executor();

    /** Frames read from the server, in order; the listener owns them (not the list, which it must not keep). */
    void onServerFrames(ServerConnection server, List<ByteBuf> frames);

    /** The server's connection closed; frames read before it were delivered first. */
    void onServerClosed(ServerConnection server);

    /** The server's socket can take more data again. */
    void onServerWritable(ServerConnection server);
}
