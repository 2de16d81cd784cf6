package io.pgmux.proxy.fuzz;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.message.Bind;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Execute;
import io.pgmux.protocol.message.Parse;
import io.pgmux.protocol.message.Query;
import io.pgmux.protocol.message.StartupMessage;
import io.pgmux.proxy.fuzz.Outcome.Ending;
import io.pgmux.proxy.fuzz.Scenario.ClientScript;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Map;

/**
 * One fuzzed client: connects ({@link #connect}), enters its {@link ClientState} with valid
 * messages ({@link #enter}), sends its steps ({@link #send}), then a probe when its stream of
 * messages is whole ({@link #probe}: Sync and a Query, which must be answered), and reads what
 * comes back ({@link #awaitOutcome}).
 */
final class FuzzClient implements AutoCloseable {
    /** How long pgmux may stay silent before a client that sent no probe counts as quiet, or one that did is re-checked. */
    private static final int QUIET_MILLIS = 300;

    private final ClientScript script;
    private final FuzzTarget target;
    private RawClient raw;
    private boolean probed;
    private boolean closedWhileSending;

    FuzzClient(ClientScript script, FuzzTarget target) {
        this.script = script;
        this.target = target;
    }

    ClientScript script() {
        return script;
    }

    /** Opens the socket; a logged-in state also logs in and sets {@code pgmux.fuzz} to the client's name. */
    void connect() throws IOException {
        raw = RawClient.open(target.host(), target.port());
        if (script.state().loggedIn()) {
            raw.loginWithPassword(target.database(), target.user(), target.password());
            expectReady(raw.query("SET pgmux.fuzz = 'client" + script.client() + "'"), "SET pgmux.fuzz");
        }
    }

    /** Brings the logged-in (or fresh) connection into the client's state with valid messages only. */
    void enter() throws IOException {
        switch (script.state()) {
            case BEFORE_LOGIN, IDLE, QUEUED -> {
            }
            case DURING_AUTH -> {
                raw.send(new StartupMessage(Frontend.PROTOCOL_3_0, Map.of("user", target.user(), "database", target.database())))
                        .flush();
                expect(raw.read(), Backend.AUTHENTICATION, "AuthenticationSASL");
            }
            case IN_TRANSACTION -> expectReady(raw.query("BEGIN"), "BEGIN");
            case IN_COPY_IN -> {
                raw.send(new Query("COPY " + target.copyTable() + " FROM STDIN")).flush();
                readUntil(Backend.COPY_IN_RESPONSE);
            }
            case IN_COPY_OUT -> {
                raw.send(new Query("COPY (SELECT generate_series(1, 2000)) TO STDOUT")).flush();
                readUntil(Backend.COPY_OUT_RESPONSE);
            }
            case IN_PIPELINE -> {
                raw.send(new Parse("", "SELECT 1", new int[0])).bind("", "").send(new Execute("", 0)).flushMessage().flush();
                readUntil(Backend.COMMAND_COMPLETE);
            }
            case AFTER_ERROR -> {
                raw.send(new Parse("", "SELECT 1/0", new int[0])).bind("", "").send(new Execute("", 0)).flushMessage().flush();
                readUntil(Backend.ERROR_RESPONSE);
            }
        }
    }

    /** Writes one step; a connection pgmux already closed takes no more. */
    void send(Step step) {
        if (closedWhileSending) {
            return;
        }
        try {
            raw.sendRaw(step.bytes()).flush();
        } catch (IOException e) {
            closedWhileSending = true;
        }
    }

    /**
     * Sends Sync and a Query when the client is logged in and its steps form whole messages, none
     * refused for its length: pgmux must then answer (or close the client with an error).
     */
    void probe(int maxMessageSize) {
        if (!script.state().loggedIn() || closedWhileSending || !wholeMessages(maxMessageSize)) {
            return;
        }
        probed = true;
        send(new Step("Sync", RawClient.frame('S', new byte[0])));
        send(new Step("probe", RawClient.frame('Q', "SELECT 'probe'\0".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    }

    private boolean wholeMessages(int maxMessageSize) {
        byte[] stream = script.steps().stream().map(Step::bytes)
                .reduce(new byte[0], FuzzClient::concat);
        int at = 0;
        while (at + 5 <= stream.length) {
            int length = intAt(stream, at + 1);
            if (length < 4 || length > maxMessageSize) {
                return false;
            }
            at += 1 + length;
        }
        return at == stream.length;
    }

    /** Reads until pgmux closes the connection, answers the probe, goes quiet, or {@code deadlineNanos} passes. */
    Outcome awaitOutcome(long deadlineNanos) throws IOException {
        StringBuilder types = new StringBuilder();
        ErrorResponse lastError = null;
        byte last = 0;
        try {
            skipEncryptionRefusals();
            raw.readTimeout(QUIET_MILLIS);
            while (true) {
                Reply reply;
                try {
                    reply = raw.read();
                } catch (SocketTimeoutException quiet) {
                    if (!probed) {
                        return new Outcome(Ending.QUIET, lastError, types.toString());
                    }
                    if (last == Backend.READY_FOR_QUERY) {
                        return new Outcome(Ending.REPLIED, lastError, types.toString());
                    }
                    if (System.nanoTime() - deadlineNanos > 0) {
                        return new Outcome(Ending.HUNG, lastError, types.toString());
                    }
                    continue;
                }
                last = reply.type();
                types.append(reply.typeChar());
                if (last == Backend.ERROR_RESPONSE) {
                    lastError = reply.error();
                }
            }
        } catch (EOFException | SocketException closed) {
            Ending ending = last == Backend.ERROR_RESPONSE ? Ending.CLOSED_WITH_ERROR : Ending.CLOSED_WITHOUT_ERROR;
            return new Outcome(ending, lastError, types.toString());
        } catch (IOException | RuntimeException unreadable) {
            return new Outcome(Ending.UNREADABLE, lastError, types + " then " + unreadable);
        }
    }

    /**
     * pgmux answers each SSLRequest and GSSENCRequest (any whole startup packet carrying their
     * code, as Postgres does) with one byte, 'N', not a message; the startup phase goes on after them.
     */
    private void skipEncryptionRefusals() throws IOException {
        if (script.state() != ClientState.BEFORE_LOGIN) {
            return;
        }
        byte[] stream = script.steps().stream().map(Step::bytes).reduce(new byte[0], FuzzClient::concat);
        int at = 0;
        while (at + 8 <= stream.length) {
            int length = intAt(stream, at);
            int code = intAt(stream, at + 4);
            if (length < 8 || length > 10_000 || at + length > stream.length
                    || (code != Frontend.SSL_REQUEST_CODE && code != Frontend.GSSENC_REQUEST_CODE)) {
                return;
            }
            raw.readTimeout(QUIET_MILLIS);
            int answer = raw.readByte();
            if (answer != 'N') {
                throw new IOException("answer to an encryption request: " + answer);
            }
            at += length;
        }
    }

    private static int intAt(byte[] bytes, int at) {
        return ((bytes[at] & 0xff) << 24) | ((bytes[at + 1] & 0xff) << 16) | ((bytes[at + 2] & 0xff) << 8) | (bytes[at + 3] & 0xff);
    }

    /** Whether pgmux may close this client without an error: it sent Terminate, or a CancelRequest. */
    boolean mayCloseSilently() {
        if (script.mayTerminate()) {
            return true;
        }
        return script.state() == ClientState.BEFORE_LOGIN && script.steps().stream()
                .anyMatch(step -> step.bytes().length >= 8 && step.bytes()[4] == 0x04 && step.bytes()[5] == (byte) 0xd2
                        && step.bytes()[6] == 0x16 && step.bytes()[7] == 0x2e);
    }

    /** Ends the connection: with Terminate, or abruptly like a killed process. */
    void end(boolean abruptly) {
        try {
            if (abruptly) {
                raw.kill();
            } else {
                raw.close();
            }
        } catch (IOException ignored) {
            // already gone
        }
    }

    @Override
    public void close() {
        if (raw != null) {
            end(true);
        }
    }

    private void readUntil(byte type) throws IOException {
        for (int i = 0; i < 100; i++) {
            Reply reply = raw.read();
            if (reply.type() == type) {
                return;
            }
            if (reply.type() == Backend.ERROR_RESPONSE) {
                throw new IllegalStateException("client " + script.client() + " could not enter " + script.state() + ": "
                        + reply.error());
            }
        }
        throw new IllegalStateException("client " + script.client() + " could not enter " + script.state());
    }

    private void expectReady(List<Reply> replies, String what) {
        for (Reply reply : replies) {
            if (reply.type() == Backend.ERROR_RESPONSE) {
                throw new IllegalStateException("client " + script.client() + ": " + what + " failed: " + reply.error());
            }
        }
    }

    private void expect(Reply reply, byte type, String what) {
        if (reply.type() != type) {
            throw new IllegalStateException("client " + script.client() + " expected " + what + ", got " + reply);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
