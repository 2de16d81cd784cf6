package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.proxy.net.MessageChunk;
import io.pgmux.proxy.net.Outbox;

/**
 * The client's messages on their way to the server its {@link ServerLink} holds, in their order:
 * dropped while the server skips to a Sync after an error, refused when they may not come during
 * COPY FROM STDIN, held while an earlier outcome they depend on is unknown ({@link StalledMessages}),
 * and otherwise handed by type to {@link ClientRequests} (or, streamed, to {@link StreamedClientMessage}),
 * each telling the link what it did to the stream ({@code on*Sent}), which moves the link's phase.
 * One per link, so one per session.
 */
final class ClientToServer {
    private final ServerLink link;
    private final ClientRequests requests;
    private final StreamedClientMessage streamed;
    private final ReplyQueue replies;
    private final Outbox toServer;
    private final StalledMessages stalled;
    /** {@link ServerLink#unpin}, made once: a Query that pgmux prepares a statement ahead of needs a Sync of pgmux's first. */
    private final Runnable syncAhead;

    ClientToServer(ServerLink link, ClientRequests requests, StreamedClientMessage streamed, ReplyQueue replies, Outbox toServer) {
        this.link = link;
        this.requests = requests;
        this.streamed = streamed;
        this.replies = replies;
        this.toServer = toServer;
        this.stalled = new StalledMessages(toServer, this::mustWait);
        this.syncAhead = link::unpin;
    }

    /** Client messages wait for an earlier outcome: the client should not send more for now. */
    boolean isStalled() {
        return !stalled.isEmpty();
    }

    /**
     * A client message, rewritten or answered as needed; takes ownership of the frame.
     *
     * @throws ProtocolException for a malformed message (the frame is released)
     */
    void send(ByteBuf frame, byte type) {
        if (!stalled.keep(frame, type)) {
            sendNow(frame, type);
        }
    }

    /**
     * The head of a client message whose body follows in chunks ({@link #sendChunk}). The session
     * streams only while nothing waits ({@link #isStalled}), and CopyData never waits, so the head
     * goes out now or, skipped after an error, not at all; its chunks go the same way.
     */
    void sendHead(ByteBuf head, byte type) {
        if (isStalled()) {
            head.release();
            throw new IllegalStateException("a streamed message arrived while client messages wait");
        }
        sendNow(head, type);
        streamed.headSent(head);
    }

    /**
     * More of the client's streamed message ({@link StreamedClientMessage}).
     *
     * @throws ProtocolException for a streamed Query that may not run (the chunk is released)
     */
    void sendChunk(MessageChunk chunk) {
        streamed.chunk(chunk);
    }

    /** Sends the messages that waited and may go now: the outcomes they needed are known. */
    void sendReady() {
        for (ByteBuf ready; (ready = stalled.pollReady()) != null; ) {
            sendNow(ready, Frames.type(ready));
        }
    }

    /** Releases the messages that still wait (the link is dropped). */
    void discard() {
        stalled.release();
    }

    private void sendNow(ByteBuf frame, byte type) {
        SyncPhase phase = link.phase();
        if (phase == SyncPhase.SKIPPING && type != Frontend.SYNC) {
            frame.release();
            return;
        }
        if (phase.copyingIn() && !SyncPhase.isCopyInMessage(type)) {
            // Postgres ends the session for this ("protocol synchronization was lost"); pgmux refuses it first.
            frame.release();
            throw new ProtocolException("unexpected message type " + Frames.describeType(type)
                    + " during COPY FROM STDIN: only CopyData, CopyDone, CopyFail, Flush and Sync may be sent");
        }
        switch (type) {
            case Frontend.QUERY -> {
                link.onQuerySent();
                if (Frames.isPartial(frame)) {
                    streamed.queryHead(frame);
                } else {
                    requests.query(frame, link.status(), syncAhead);
                }
            }
            case Frontend.SYNC -> {
                if (phase.copyingIn()) {
                    toServer.add(frame); // the server ignores it: it owes no answer
                    return;
                }
                link.onSyncSent();
                toServer.add(frame);
            }
            case Frontend.FUNCTION_CALL -> {
                replies.push(ReplyQueue.QUERY, 0, System.nanoTime(), null);
                toServer.add(frame);
            }
            case Frontend.PARSE -> link.onExtendedSent(requests.parse(frame, link.segment(), link.status()));
            case Frontend.BIND -> {
                link.onExtendedSent(ClientRequests.Trace.SERVER_STATE);
                requests.bind(frame, link.segment());
            }
            case Frontend.DESCRIBE -> link.onExtendedSent(requests.describe(frame, link.segment()));
            case Frontend.EXECUTE -> {
                link.onExtendedSent(ClientRequests.Trace.SERVER_STATE);
                requests.execute(frame);
            }
            case Frontend.CLOSE -> link.onExtendedSent(requests.close(frame, link.segment()));
            case Frontend.COPY_DONE, Frontend.COPY_FAIL -> {
                link.onCopyEndSent();
                toServer.add(frame);
            }
            default -> toServer.add(frame); // Flush; CopyData of the running COPY
        }
        link.emitLocalReplies();
    }

    /** Whether this message must wait for an earlier outcome; nothing waits during COPY FROM STDIN, when nothing else may come. */
    private boolean mustWait(ByteBuf frame, byte type) {
        return !link.phase().copyingIn() && requests.mustWait(frame, type, link.segment());
    }
}
