package io.pgmux.proxy.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.auth.Md5Password;
import io.pgmux.protocol.auth.ScramClient;
import io.pgmux.protocol.auth.ScramException;
import io.pgmux.protocol.auth.ScramServer;
import io.pgmux.protocol.message.AuthenticationRequest;
import io.pgmux.protocol.message.Bind;
import io.pgmux.protocol.message.CommandComplete;
import io.pgmux.protocol.message.DataRow;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Messages;
import io.pgmux.protocol.message.ParameterStatus;
import io.pgmux.protocol.message.PasswordMessage;
import io.pgmux.protocol.message.ReadyForQuery;
import io.pgmux.protocol.message.SaslInitialResponse;
import io.pgmux.protocol.message.SaslResponse;
import io.pgmux.protocol.message.StartupMessage;
import io.pgmux.protocol.message.WireMessage;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A blocking, byte-level Postgres client for tests: it sends exactly the messages a test spells
 * (pipelines, garbage, half messages) and reads the replies as {@link Reply} values. It logs in
 * with trust ({@link #login}) or with a password ({@link #loginWithPassword}: cleartext, MD5 or
 * SCRAM-SHA-256, whichever the server asks for).
 */
public final class RawClient implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final Map<String, String> parameters = new LinkedHashMap<>();
    private int processId;
    private int secretKey;

    /** One backend message: its type and whole frame bytes (header included). */
    public record Reply(byte type, byte[] frame) {
        public ByteBuf buf() {
            return Unpooled.wrappedBuffer(frame);
        }

        public ErrorResponse error() {
            return ErrorResponse.decode(buf());
        }

        public List<String> row() {
            return DataRow.decode(buf()).values();
        }

        public String tag() {
            return CommandComplete.decode(buf()).tag();
        }

        public TransactionStatus status() {
            return ReadyForQuery.statusOf(buf());
        }

        public char typeChar() {
            return (char) type;
        }

        @Override
        public String toString() {
            return type == Backend.ERROR_RESPONSE ? "E(" + error() + ")" : String.valueOf((char) type);
        }
    }

    private RawClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 65536));
        this.out = socket.getOutputStream();
    }

    /** A client on a socket connected already (a TLS socket after its handshake, say). */
    public static RawClient over(Socket socket) throws IOException {
        socket.setSoTimeout(30_000);
        return new RawClient(socket);
    }

    /** Opens a TCP connection without sending anything. */
    public static RawClient open(String host, int port) throws IOException {
        return open(host, port, 0);
    }

    /**
     * Opens a TCP connection with a socket receive buffer of {@code receiveBufferSize} bytes (0 =
     * the system default), set before connecting so the TCP window is small from the start: a
     * client that stops reading then pushes back on its peer early.
     */
    public static RawClient open(String host, int port, int receiveBufferSize) throws IOException {
        Socket socket = new Socket();
        if (receiveBufferSize > 0) {
            socket.setReceiveBufferSize(receiveBufferSize);
        }
        socket.connect(new InetSocketAddress(host, port), 5_000);
        socket.setSoTimeout(30_000);
        socket.setTcpNoDelay(true);
        return new RawClient(socket);
    }

    /** Connects and logs in with trust authentication, up to the first ReadyForQuery. */
    public static RawClient connect(String host, int port, String database, String user, Map<String, String> extra) throws IOException {
        return open(host, port).login(database, user, extra);
    }

    /** Sends a StartupMessage on a connection from {@link #open} and logs in with trust authentication. */
    public RawClient login(String database, String user, Map<String, String> extra) throws IOException {
        Map<String, String> startup = new LinkedHashMap<>();
        startup.put("user", user);
        startup.put("database", database);
        startup.putAll(extra);
        send(new StartupMessage(Frontend.PROTOCOL_3_0, startup));
        flush();
        List<Reply> replies = readUntilReady();
        for (Reply reply : replies) {
            if (reply.type() == Backend.AUTHENTICATION) {
                int code = AuthenticationRequest.decode(reply.buf()).code();
                if (code != Backend.AUTH_OK) {
                    throw new IllegalStateException("RawClient only speaks trust; server asked for auth code " + code);
                }
            }
        }
        welcome(replies);
        return this;
    }

    /**
     * Sends a StartupMessage on a connection from {@link #open} and logs in with {@code password}
     * (cleartext, MD5 or SCRAM-SHA-256, as asked), up to the first ReadyForQuery.
     */
    public RawClient loginWithPassword(String database, String user, String password) throws IOException {
        send(new StartupMessage(Frontend.PROTOCOL_3_0, Map.of("user", user, "database", database))).flush();
        ScramClient scram = null;
        while (true) {
            Reply reply = read();
            if (reply.type() == Backend.ERROR_RESPONSE) {
                throw new IllegalStateException("login failed: " + reply.error());
            }
            if (reply.type() != Backend.AUTHENTICATION) {
                throw new IllegalStateException("expected an authentication request, got " + reply);
            }
            AuthenticationRequest request = AuthenticationRequest.decode(reply.buf());
            try {
                switch (request.code()) {
                    case Backend.AUTH_OK -> {
                        welcome(readUntilReady());
                        return this;
                    }
                    case Backend.AUTH_CLEARTEXT_PASSWORD -> send(new PasswordMessage(password)).flush();
                    case Backend.AUTH_MD5_PASSWORD -> send(new PasswordMessage(
                            Md5Password.challengeResponse(Md5Password.secret(user, password), request.data()))).flush();
                    case Backend.AUTH_SASL -> {
                        scram = new ScramClient(password);
                        send(new SaslInitialResponse(ScramServer.MECHANISM, scram.clientFirstMessage())).flush();
                    }
                    case Backend.AUTH_SASL_CONTINUE -> send(new SaslResponse(scram.clientFinalMessage(request.data()))).flush();
                    case Backend.AUTH_SASL_FINAL -> scram.verifyServerFinal(request.data());
                    default -> throw new IllegalStateException("RawClient cannot answer auth code " + request.code());
                }
            } catch (ScramException e) {
                throw new IllegalStateException("SCRAM failed: " + e.getMessage(), e);
            }
        }
    }

    /** Keeps the parameters and key of a login's replies after AuthenticationOk; fails on an error. */
    private void welcome(List<Reply> replies) {
        for (Reply reply : replies) {
            switch (reply.type()) {
                case Backend.PARAMETER_STATUS -> {
                    ParameterStatus status = ParameterStatus.decode(reply.buf());
                    parameters.put(status.name(), status.value());
                }
                case Backend.BACKEND_KEY_DATA -> {
                    processId = reply.buf().getInt(5);
                    secretKey = reply.buf().getInt(9);
                }
                case Backend.ERROR_RESPONSE -> throw new IllegalStateException("login failed: " + reply.error());
                default -> {
                }
            }
        }
    }

    /** How long a read waits before failing with SocketTimeoutException (30 s when not set). */
    public RawClient readTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
        return this;
    }

    public static RawClient connect(String host, int port, String database, String user) throws IOException {
        return connect(host, port, database, user, Map.of());
    }

    public Map<String, String> parameters() {
        return parameters;
    }

    public int processId() {
        return processId;
    }

    /** The client side's port: what pgmux sees as this client's port (SHOW CLIENTS' {@code port}). */
    public int localPort() {
        return socket.getLocalPort();
    }

    public int secretKey() {
        return secretKey;
    }

    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    /** Queues a message; nothing goes out until {@link #flush()}. */
    public RawClient send(WireMessage message) {
        ByteBuf buf = Unpooled.buffer();
        message.encode(buf);
        return sendRaw(toBytes(buf));
    }

    public RawClient sendRaw(byte[] bytes) {
        pending.writeBytes(bytes);
        return this;
    }

    /** Queues a message of type {@code type} with {@code body}, the header computed from it. */
    public RawClient sendMessage(char type, byte[] body) {
        return sendRaw(frame(type, body));
    }

    /** A whole message: {@code type}, the length computed from {@code body}, then {@code body}. */
    public static byte[] frame(char type, byte[] body) {
        return io.pgmux.testkit.FuzzFrames.frame(type, body);
    }

    public RawClient sync() {
        return sendRaw(toBytes(Messages.sync()));
    }

    public RawClient flushMessage() {
        return sendRaw(toBytes(Messages.flush()));
    }

    public RawClient bind(String portal, String statement) {
        return send(Bind.of(portal, statement, List.of()));
    }

    public RawClient flush() throws IOException {
        out.write(pending.toByteArray());
        out.flush();
        pending.reset();
        return this;
    }

    /** Sends a simple query and reads until its ReadyForQuery. */
    public List<Reply> query(String sql) throws IOException {
        send(new io.pgmux.protocol.message.Query(sql)).flush();
        return readUntilReady();
    }

    public Reply read() throws IOException {
        byte type = in.readByte();
        int length = in.readInt();
        if (length < 4 || length > (1 << 30)) {
            throw new IOException("bad length " + length + " for type " + (char) type);
        }
        byte[] frame = new byte[1 + length];
        frame[0] = type;
        frame[1] = (byte) (length >>> 24);
        frame[2] = (byte) (length >>> 16);
        frame[3] = (byte) (length >>> 8);
        frame[4] = (byte) length;
        in.readFully(frame, 5, length - 4);
        return new Reply(type, frame);
    }

    /**
     * A message read without keeping its body: its type, its length (as the header counts it), how
     * many body bytes arrived (fewer than the length if the connection ended first) and how many
     * of them were the byte {@code counted}.
     */
    public record LargeReply(byte type, int length, long received, long counted) {}

    /**
     * Reads one message of any size without holding it (a row of hundreds of MB): its body is read
     * in pieces and only the bytes equal to {@code counted} are counted, up to its end or the
     * connection's.
     */
    public LargeReply readLarge(byte counted) throws IOException {
        byte type = in.readByte();
        int length = in.readInt();
        if (length < 4) {
            throw new IOException("bad length " + length + " for type " + (char) type);
        }
        byte[] piece = new byte[1 << 20];
        long count = 0;
        for (int left = length - 4; left > 0; ) {
            int read = in.read(piece, 0, Math.min(left, piece.length));
            if (read < 0) {
                return new LargeReply(type, length, length - 4 - left, count);
            }
            for (int i = 0; i < read; i++) {
                if (piece[i] == counted) {
                    count++;
                }
            }
            left -= read;
        }
        return new LargeReply(type, length, length - 4, count);
    }

    /**
     * Sends (with what was queued before it) a message whose body is {@code piece} {@code times}
     * over, written piece by piece: a message of hundreds of MB without holding it.
     */
    public RawClient sendLarge(char type, byte[] piece, int times) throws IOException {
        long bodyLength = (long) piece.length * times;
        if (bodyLength + 4 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a message body of " + bodyLength + " bytes");
        }
        flush();
        DataOutputStream header = new DataOutputStream(out);
        header.writeByte(type);
        header.writeInt((int) bodyLength + 4);
        for (int i = 0; i < times; i++) {
            out.write(piece);
        }
        out.flush();
        return this;
    }

    /** Reads messages up to and including the next ReadyForQuery. */
    public List<Reply> readUntilReady() throws IOException {
        List<Reply> replies = new ArrayList<>();
        while (true) {
            Reply reply = read();
            replies.add(reply);
            if (reply.type() == Backend.READY_FOR_QUERY) {
                return replies;
            }
        }
    }

    /** Reads until {@code count} ReadyForQuery messages have arrived. */
    public List<Reply> readUntilReady(int count) throws IOException {
        List<Reply> replies = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            replies.addAll(readUntilReady());
        }
        return replies;
    }

    /** Reads exactly {@code count} messages (for batches that end with Flush, not Sync). */
    public List<Reply> read(int count) throws IOException {
        List<Reply> replies = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            replies.add(read());
        }
        return replies;
    }

    /** Reads one byte (the answer to SSLRequest / GSSENCRequest). */
    public int readByte() throws IOException {
        return in.readUnsignedByte();
    }

    /** True when the server closed the connection (reads hit end of stream). */
    public boolean isClosedByPeer() {
        try {
            socket.setSoTimeout(10_000);
            while (true) {
                read();
            }
        } catch (EOFException e) {
            return true;
        } catch (IOException e) {
            return e.getMessage() != null && e.getMessage().contains("reset");
        }
    }

    /** The single-letter types of a reply list, e.g. "TDCZ", for compact assertions. */
    public static String types(List<Reply> replies) {
        StringBuilder types = new StringBuilder();
        replies.forEach(r -> types.append((char) r.type()));
        return types.toString();
    }

    /** Closes the socket abruptly, without Terminate, like a killed process. */
    public void kill() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        if (!socket.isClosed()) {
            try {
                sendRaw(toBytes(Messages.terminate())).flush();
            } catch (IOException ignored) {
                // already gone
            }
            socket.close();
        }
    }

    private static byte[] toBytes(ByteBuf buf) {
        byte[] bytes = new byte[buf.readableBytes()];
        buf.readBytes(bytes);
        buf.release();
        return bytes;
    }

    /** The frame type of a message as the Frames helper sees it; handy in assertions. */
    public static byte typeOf(byte[] frame) {
        return Frames.type(Unpooled.wrappedBuffer(frame));
    }
}
