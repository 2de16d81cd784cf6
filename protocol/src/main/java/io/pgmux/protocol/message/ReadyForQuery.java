package io.pgmux.protocol.message;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.protocol.TransactionStatus;

/** The server is ready for the next query; carries the transaction status. */
public record ReadyForQuery(TransactionStatus status) implements WireMessage {
    public static final int FRAME_SIZE = Frames.HEADER_SIZE + 1;

    public static ReadyForQuery decode(ByteBuf frame) {
        return new ReadyForQuery(statusOf(frame));
    }

    /** The status byte of a ReadyForQuery frame, read without allocating. */
    public static TransactionStatus statusOf(ByteBuf frame) {
        if (frame.readableBytes() != FRAME_SIZE) {
            throw new ProtocolException("ReadyForQuery of " + frame.readableBytes() + " bytes");
        }
        return TransactionStatus.fromWire(frame.getByte(frame.readerIndex() + Frames.HEADER_SIZE));
    }

    public void encode(ByteBuf out) {
        out.writeByte(Backend.READY_FOR_QUERY);
        out.writeInt(5);
        out.writeByte(status.wireByte());
    }
}
