package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.client.NamedStatements.StatementChange;

import java.util.List;
import java.util.Map;

/**
 * A simple query whose SQL prepared statement names pgmux rewrote ({@link SqlStatementNames}): what
 * the client gets for each of its statements, in order, as the server completes them. Each step is
 * one of
 * <ul>
 *   <li>SERVER: a statement the server runs (as written, or with pgmux's name for the statement);
 *       its CommandComplete goes to the client;</li>
 *   <li>HIDDEN: pgmux's own {@code PREPARE} of a statement the server lacks, put before the EXECUTE
 *       that needs it; its CommandComplete is swallowed, its error is the EXECUTE's, as Postgres
 *       reports a statement that no longer plans at its EXECUTE;</li>
 *   <li>LOCAL: a statement pgmux answers itself and took out of the text (the PREPARE of a statement
 *       the server holds, a DEALLOCATE); its CommandComplete is given in its turn.</li>
 * </ul>
 * What a step changed in the client's names when it was sent ({@link StatementChange}) is confirmed
 * when the step completes, and undone when it fails or the server skips it after an error.
 */
final class RewrittenQuery implements ReplyQueue.Attachment {
    enum Kind { SERVER, HIDDEN, LOCAL }

    /**
     * @param change     what the step changed when sent, or null
     * @param refusal    the error the client gets when the step fails (it was sent so that the server fails it), or null
     * @param tag        a LOCAL step's command tag
     * @param clientName the client's name for the statement whose server name the step's text has (errors name the client's)
     */
    record Step(Kind kind, StatementChange change, ErrorResponse refusal, String tag, String clientName, String serverName) {
        static Step server(StatementChange change) {
            return new Step(Kind.SERVER, change, null, null, null, null);
        }

        static Step refused(ErrorResponse refusal) {
            return new Step(Kind.SERVER, null, refusal, null, null, null);
        }

        static Step renamed(String clientName, String serverName) {
            return new Step(Kind.SERVER, null, null, null, clientName, serverName);
        }

        static Step hidden(StatementChange change) {
            return new Step(Kind.HIDDEN, change, null, null, null, null);
        }

        static Step local(String tag, StatementChange change) {
            return new Step(Kind.LOCAL, change, null, tag, null, null);
        }

        /** The step is the PREPARE of a client name under pgmux's name (which stays on the server, known to pgmux). */
        boolean preparesOurs() {
            return change instanceof NamedStatements.ParseAttempt;
        }
    }

    private final List<Step> steps;
    /** What the query's statements do to the client's settings ({@link SettingChanges}), or null. */
    private final ReplyQueue.Attachment settings;
    private int next;

    RewrittenQuery(List<Step> steps, ReplyQueue.Attachment settings) {
        this.steps = List.copyOf(steps);
        this.settings = settings;
    }

    ReplyQueue.Attachment settings() {
        return settings;
    }

    /** The step the server's next CommandComplete or error belongs to; null when all are done. */
    Step current() {
        return next < steps.size() ? steps.get(next) : null;
    }

    /** The current step completed. */
    void advance() {
        next++;
    }

    /** The LOCAL step due now, if the current one is one; the caller gives it and then {@link #advance}s. */
    Step localDue() {
        Step step = current();
        return step != null && step.kind() == Kind.LOCAL ? step : null;
    }

    /** The current step failed: returns the steps the server skipped after it (their changes are undone), and ends the query. */
    List<Step> failAtCurrent() {
        List<Step> skipped = steps.subList(Math.min(next + 1, steps.size()), steps.size());
        next = steps.size();
        return skipped;
    }

    /** Every step was answered by pgmux: the server runs an empty text, whose EmptyQueryResponse is not for the client. */
    boolean onlyLocal() {
        return steps.stream().allMatch(step -> step.kind() == Kind.LOCAL);
    }

    /**
     * What the client gets in place of the server's error for {@code step}: the step's refusal when
     * the server failed the statement pgmux put in its place (not when it refused it for another
     * reason first, such as a failed transaction), else null (the server's error).
     */
    static NamedStatements.Refusal refusalFor(ByteBuf frame, Step step) {
        if (step == null || step.refusal() == null) {
            return null;
        }
        return SqlState.UNDEFINED_FUNCTION.equals(ErrorResponse.decode(frame).sqlState()) ? new NamedStatements.Refusal(step.refusal()) : null;
    }

    /** The server's error for {@code step}, with the client's name where the server named pgmux's. Takes the frame. */
    static ByteBuf namingClient(ByteBuf frame, Step step, ByteBufAllocator alloc) {
        if (step == null || step.serverName() == null) {
            return frame;
        }
        ErrorResponse error = ErrorResponse.decode(frame);
        String quoted = "\"" + step.serverName() + "\"";
        if (!error.fields().values().stream().anyMatch(v -> v.contains(quoted))) {
            return frame;
        }
        frame.release();
        Map<Character, String> fields = new java.util.LinkedHashMap<>(error.fields());
        fields.replaceAll((field, value) -> value.replace(quoted, "\"" + step.clientName() + "\""));
        return new ErrorResponse(fields).encode(alloc);
    }
}
