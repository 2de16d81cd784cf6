package io.pgmux.protocol.message;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.ProtocolException;

/** The process id and secret key a client needs to cancel its queries. */
public record BackendKeyData(int processId, int secretKey) implements WireMessage {
    public static final int FRAME_SIZE = Frames.HEADER_SIZE + 8;

    public static BackendKeyData decode(ByteBuf frame) {
        if (frame.readableBytes() != FRAME_SIZE) {
            // Protocol 3.2 allows longer keys; pgmux speaks 3.0 to servers, where the key is 4 bytes.
            throw new ProtocolException("BackendKeyData of " + frame.readableBytes() + " bytes (expected " + FRAME_SIZE + ")");
        }
        int start = frame.readerIndex() + Frames.HEADER_SIZE;
        return new BackendKeyData(frame.getInt(start), frame.getInt(start + 4));
    }

    public void encode(ByteBuf out) {
        out.writeByte(Backend.BACKEND_KEY_DATA);
        out.writeInt(12);
        out.writeInt(processId);
        out.writeInt(secretKey);
    }
}
