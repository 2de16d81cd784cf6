package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.message.CommandComplete;

/**
 * The server's replies to a simple query whose SQL prepared statement names pgmux rewrote
 * ({@link RewrittenQuery}, made by {@link SqlStatementNames}): each CommandComplete or error is
 * its step's, what the step changed in the client's names is confirmed when it completes and undone
 * when it fails or is skipped, pgmux's own PREPAREs are swallowed, and the statements pgmux
 * answers itself get their CommandComplete in their turn. Replies of other kinds (rows, notices)
 * go the usual way ({@link ServerLink}), as does the error once its steps are settled here.
 */
final class RewrittenQueryReplies {
    private final ClientRequests requests;
    private final CommandEffects commands;
    private final SettingChanges settings;
    private final ServerLinkEvents events;
    private final ByteBufAllocator alloc;

    RewrittenQueryReplies(ClientRequests requests, CommandEffects commands, SettingChanges settings, ServerLinkEvents events,
            ByteBufAllocator alloc) {
        this.requests = requests;
        this.commands = commands;
        this.settings = settings;
        this.events = events;
        this.alloc = alloc;
    }

    /**
     * A reply other than an error or ReadyForQuery; takes the frame when it answers true. False for
     * a reply that goes its usual way (carrying {@link RewrittenQuery#settings()}).
     */
    boolean onReply(ByteBuf frame, byte type, RewrittenQuery rewritten) {
        giveLocalSteps(rewritten);
        RewrittenQuery.Step step = rewritten.current();
        if (type == Backend.COMMAND_COMPLETE && step != null) {
            rewritten.advance();
            requests.onSucceeded(step.change());
            if (step.kind() == RewrittenQuery.Kind.HIDDEN) {
                frame.release();
                return true;
            }
            commands.onCommandComplete(frame, rewritten.settings(), false, step.preparesOurs());
            events.toClient(frame);
            giveLocalSteps(rewritten);
            return true;
        }
        if (type == Backend.EMPTY_QUERY_RESPONSE && rewritten.onlyLocal()) {
            frame.release(); // the text left when pgmux answered every statement
            return true;
        }
        return false;
    }

    /**
     * The server's error ends the query: the failed step's change and those of the steps the server
     * skips are undone. Returns the failed step (null when all were done), which says what the client
     * gets ({@link RewrittenQuery#refusalFor}, {@link RewrittenQuery#namingClient}).
     */
    RewrittenQuery.Step onError(RewrittenQuery rewritten) {
        giveLocalSteps(rewritten);
        RewrittenQuery.Step step = rewritten.current();
        if (step != null) {
            requests.onFailed(step.change());
            for (RewrittenQuery.Step skipped : rewritten.failAtCurrent()) {
                requests.onSkipped(skipped.change());
            }
        }
        return step;
    }

    /** The steps pgmux answers that are due: their CommandCompletes, in their turn. */
    private void giveLocalSteps(RewrittenQuery rewritten) {
        for (RewrittenQuery.Step step; (step = rewritten.localDue()) != null; ) {
            rewritten.advance();
            requests.onSucceeded(step.change());
            settings.onCommandComplete(rewritten.settings()); // a statement of the query completed; nothing ran on the server
            events.toClient(new CommandComplete(step.tag()).encode(alloc));
        }
    }
}
