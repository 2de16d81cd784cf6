package io.pgmux.protocol.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frontend;

/**
 * Messages without a body (or with a constant one), built once. Each accessor returns a fresh
 * duplicate the caller may write and release freely (the shared buffer is unreleasable).
 */
public final class Messages {
    private Messages() {}

    private static final ByteBuf SYNC = constant(Frontend.SYNC);
    private static final ByteBuf FLUSH = constant(Frontend.FLUSH);
    private static final ByteBuf TERMINATE = constant(Frontend.TERMINATE);
    private static final ByteBuf PARSE_COMPLETE = constant(Backend.PARSE_COMPLETE);
    private static final ByteBuf BIND_COMPLETE = constant(Backend.BIND_COMPLETE);
    private static final ByteBuf CLOSE_COMPLETE = constant(Backend.CLOSE_COMPLETE);
    private static final ByteBuf NO_DATA = constant(Backend.NO_DATA);
    private static final ByteBuf EMPTY_QUERY_RESPONSE = constant(Backend.EMPTY_QUERY_RESPONSE);
    private static final ByteBuf AUTHENTICATION_OK = Unpooled.unreleasableBuffer(
            Unpooled.wrappedBuffer(new byte[] {Backend.AUTHENTICATION, 0, 0, 0, 8, 0, 0, 0, 0}).asReadOnly());
    /** The one-byte answer refusing an SSLRequest or GSSENCRequest. */
    private static final ByteBuf ENCRYPTION_REFUSED = Unpooled.unreleasableBuffer(
            Unpooled.wrappedBuffer(new byte[] {'N'}).asReadOnly());

    private static ByteBuf constant(byte type) {
        return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(new byte[] {type, 0, 0, 0, 4}).asReadOnly());
    }

    public static ByteBuf sync() {
        return SYNC.duplicate();
    }

    public static ByteBuf flush() {
        return FLUSH.duplicate();
    }

    public static ByteBuf terminate() {
        return TERMINATE.duplicate();
    }

    public static ByteBuf parseComplete() {
        return PARSE_COMPLETE.duplicate();
    }

    public static ByteBuf bindComplete() {
        return BIND_COMPLETE.duplicate();
    }

    public static ByteBuf closeComplete() {
        return CLOSE_COMPLETE.duplicate();
    }

    public static ByteBuf noData() {
        return NO_DATA.duplicate();
    }

    public static ByteBuf emptyQueryResponse() {
        return EMPTY_QUERY_RESPONSE.duplicate();
    }

    public static ByteBuf authenticationOk() {
        return AUTHENTICATION_OK.duplicate();
    }

    public static ByteBuf encryptionRefused() {
        return ENCRYPTION_REFUSED.duplicate();
    }
}
