package io.pgmux.protocol.message;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.protocol.Wire;

/** Sent on a fresh connection to cancel the query a session is running. */
public record CancelRequest(int processId, int secretKey) implements WireMessage {
    public static final int LENGTH = 16;

    public static CancelRequest decode(ByteBuf packet) {
        if (packet.readableBytes() != LENGTH) {
            throw new ProtocolException("invalid cancel request length " + packet.readableBytes());
        }
        int start = packet.readerIndex();
        return new CancelRequest(packet.getInt(start + 8), packet.getInt(start + 12));
    }

    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginUntypedMessage(out);
        out.writeInt(Frontend.CANCEL_REQUEST_CODE);
        out.writeInt(processId);
        out.writeInt(secretKey);
        Wire.endMessage(out, lengthIndex);
    }
}
