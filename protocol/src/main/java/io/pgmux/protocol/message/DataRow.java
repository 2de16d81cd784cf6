package io.pgmux.protocol.message;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.protocol.Wire;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A row in text format. The proxy never decodes the rows it forwards; this is for the few queries
 * pgmux runs itself (and for tests). A null column is a null element.
 */
public record DataRow(List<String> values) implements WireMessage {

    public DataRow {
        values = Collections.unmodifiableList(new ArrayList<>(values));
    }

    public static DataRow decode(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        if (body.readableBytes() < 2) {
            throw new ProtocolException("DataRow is truncated");
        }
        int count = body.readUnsignedShort();
        List<String> values = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            if (body.readableBytes() < 4) {
                throw new ProtocolException("DataRow is truncated at column " + i);
            }
            int length = body.readInt();
            values.add(length == -1 ? null : new String(Wire.readBytes(body, length, "DataRow column"), StandardCharsets.UTF_8));
        }
        Wire.expectEnd(body, "DataRow");
        return new DataRow(values);
    }

    @Override
    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, Backend.DATA_ROW);
        out.writeShort(values.size());
        for (String value : values) {
            if (value == null) {
                out.writeInt(-1);
            } else {
                byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
                out.writeInt(bytes.length);
                out.writeBytes(bytes);
            }
        }
        Wire.endMessage(out, lengthIndex);
    }
}
