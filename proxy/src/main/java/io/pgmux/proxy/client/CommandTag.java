package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.Frames;

import java.nio.charset.StandardCharsets;

/**
 * The CommandComplete tags pgmux acts on: the end of a transaction (which decides the fate of the
 * client's SETs), an SQL PREPARE (which must not outlive the client's hold on a server), and the
 * commands that empty a server of statements or settings. Read as bytes, without decoding the tag.
 */
enum CommandTag {
    /** Also ROLLBACK TO SAVEPOINT, which has the same tag. */
    ROLLBACK("ROLLBACK"),
    COMMIT("COMMIT"),
    PREPARE_TRANSACTION("PREPARE TRANSACTION"),
    PREPARE("PREPARE"),
    DISCARD_ALL("DISCARD ALL"),
    DEALLOCATE_ALL("DEALLOCATE ALL"),
    /** Any other tag. */
    OTHER("");

    /** {@link #values()} copies the array at each call; the tags are matched once per completed command. */
    private static final CommandTag[] MATCHED = {ROLLBACK, COMMIT, PREPARE_TRANSACTION, PREPARE, DISCARD_ALL, DEALLOCATE_ALL};

    private final byte[] bytes;

    CommandTag(String tag) {
        this.bytes = tag.getBytes(StandardCharsets.US_ASCII);
    }

    /** The tag of a CommandComplete frame (type, length, null-terminated tag). */
    static CommandTag of(ByteBuf commandComplete) {
        int start = commandComplete.readerIndex() + Frames.HEADER_SIZE;
        int length = commandComplete.writerIndex() - start - 1;
        for (CommandTag tag : MATCHED) {
            if (tag.isAt(commandComplete, start, length)) {
                return tag;
            }
        }
        return OTHER;
    }

    private boolean isAt(ByteBuf frame, int start, int length) {
        if (length != bytes.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (frame.getByte(start + i) != bytes[i]) {
                return false;
            }
        }
        return true;
    }
}
