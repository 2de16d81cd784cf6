package io.pgmux.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

/**
 * The shape of a frontend message, checked once when it arrives and before anything acts on it,
 * so that no later reading of it can fail: a malformed message is refused whole, wherever it would
 * have been read (while its client waits for a server, inside a pipeline, on another event loop).
 *
 * <p>What is checked is every field a proxy reads to keep its books: the names and targets of
 * Parse, Bind, Describe, Close and Execute, a named Parse whole (it is decoded and kept), the text
 * of a Query or unnamed Parse up to its terminator, and the empty bodies of Sync, Flush, Terminate
 * and CopyDone. What only the server reads (Bind's values, an unnamed Parse's parameter types,
 * FunctionCall, CopyData, CopyFail) is forwarded as it is, for the server to judge as it judges a
 * direct client.
 */
public final class FrontendFrameCheck {
    private FrontendFrameCheck() {}

    /**
     * Checks {@code frame}, a whole message with its header (or the head of a streamed CopyData, which is not read), of a type
     * {@link Frontend#isKnownType} accepts.
     *
     * @throws ProtocolException naming the message and what is wrong with it
     */
    public static void check(ByteBuf frame) {
        int body = frame.readerIndex() + Frames.HEADER_SIZE;
        int end = frame.writerIndex();
        byte type = frame.getByte(frame.readerIndex());
        switch (type) {
            case Frontend.SYNC -> empty(frame, body, end, "Sync");
            case Frontend.FLUSH -> empty(frame, body, end, "Flush");
            case Frontend.TERMINATE -> empty(frame, body, end, "Terminate");
            case Frontend.COPY_DONE -> empty(frame, body, end, "CopyDone");
            case Frontend.QUERY -> {
                // the head of a streamed Query (its text follows in chunks) ends where its text does
                if (!Frames.isPartial(frame) && (end == body || frame.getByte(end - 1) != 0)) {
                    throw new ProtocolException("Query message: the query string is not null-terminated");
                }
            }
            case Frontend.DESCRIBE -> targetAndName(frame, body, end, "Describe");
            case Frontend.CLOSE -> targetAndName(frame, body, end, "Close");
            case Frontend.EXECUTE -> {
                int portalEnd = string(frame, body, end, "Execute", "portal name");
                if (end - (portalEnd + 1) != 4) {
                    throw new ProtocolException("Execute message: expected a 4-byte row limit after the portal name, found "
                            + (end - (portalEnd + 1)) + " bytes");
                }
            }
            case Frontend.BIND -> {
                int portalEnd = string(frame, body, end, "Bind", "portal name");
                string(frame, portalEnd + 1, end, "Bind", "statement name");
            }
            case Frontend.PARSE -> parse(frame, body, end);
            default -> {
            }
        }
    }

    private static void parse(ByteBuf frame, int body, int end) {
        int nameEnd = string(frame, body, end, "Parse", "statement name");
        int queryEnd = string(frame, nameEnd + 1, end, "Parse", "query string");
        if (nameEnd == body) {
            return; // the unnamed statement's parameter types are the server's to read
        }
        int typesStart = queryEnd + 1;
        if (end - typesStart < 2) {
            throw new ProtocolException("Parse message: the parameter type count is missing");
        }
        int count = frame.getUnsignedShort(typesStart);
        int found = end - typesStart - 2;
        if (found != count * 4) {
            throw new ProtocolException("Parse message: " + count + " parameter types declared, " + found
                    + " bytes found for them");
        }
    }

    private static void targetAndName(ByteBuf frame, int body, int end, String message) {
        if (end == body) {
            throw new ProtocolException(message + " message is empty: expected 'S' or 'P' and a name");
        }
        byte target = frame.getByte(body);
        if (target != 'S' && target != 'P') {
            throw new ProtocolException(message + " message: invalid target " + Frames.describeType(target)
                    + ", expected 'S' (statement) or 'P' (portal)");
        }
        int nameEnd = string(frame, body + 1, end, message, "name");
        if (nameEnd != end - 1) {
            throw new ProtocolException(message + " message has " + (end - 1 - nameEnd) + " bytes after its name");
        }
    }

    /** The index of the terminator of the string starting at {@code start}. */
    private static int string(ByteBuf frame, int start, int end, String message, String field) {
        int terminator = start < end ? frame.forEachByte(start, end - start, ByteProcessor.FIND_NUL) : -1;
        if (terminator < 0) {
            throw new ProtocolException(message + " message: the " + field + " is not null-terminated");
        }
        return terminator;
    }

    private static void empty(ByteBuf frame, int body, int end, String message) {
        if (end != body) {
            throw new ProtocolException(message + " message must be empty, but has " + (end - body) + " bytes");
        }
    }
}
