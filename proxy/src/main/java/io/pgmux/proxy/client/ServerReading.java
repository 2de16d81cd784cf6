package io.pgmux.proxy.client;

import io.pgmux.proxy.backend.ServerConnection;

/**
 * Whether a {@link ServerLink}'s server is read: its replies are held back while the client cannot
 * take more, and a large reply's next chunk is read only once the last one was taken. One per
 * session, pointed at each server it holds.
 */
final class ServerReading {
    private ServerConnection server;
    /** The server's reading is paused because the client cannot take more. */
    private boolean paused;

    /** The link now holds {@code server}, read as soon as it was assigned. */
    void attach(ServerConnection server) {
        this.server = server;
        paused = false;
    }

    /** Holds the server's replies back: the client cannot take more for now. */
    void pause() {
        if (!paused) {
            paused = true;
            server.pauseReading();
        }
    }

    /** A chunk of a large reply was taken: the server's next may come, unless the client cannot take more. */
    void readMore() {
        if (!paused) {
            server.resumeReading();
        }
    }

    /** Lets the server's replies in again if they were held back for the client's sake. */
    void resume() {
        if (paused) {
            paused = false;
            server.resumeReading();
        }
    }
}
