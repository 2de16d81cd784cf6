package io.pgmux.protocol.message;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.protocol.Wire;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The columns of the rows that follow. pgmux forwards the servers' row descriptions untouched; it
 * writes its own only for the result sets it produces (the admin console).
 */
public record RowDescription(List<Field> fields) implements WireMessage {
    /** Type OIDs of the columns pgmux produces (pg_type.oid). */
    public static final int INT8 = 20;
    public static final int INT4 = 23;
    public static final int TEXT = 25;
    public static final int NUMERIC = 1700;

    /**
     * One column: its name, the table and column it comes from (0 when none), its type's OID, size
     * ({@code -1} for variable length) and modifier, and the format code (0 text, 1 binary).
     */
    public record Field(String name, int tableOid, short columnNumber, int typeOid, short typeSize,
                        int typeModifier, short format) {

        /** A computed column in text format, as pgmux and PgBouncer describe theirs. */
        public static Field text(String name, int typeOid) {
            short size = switch (typeOid) {
                case INT4 -> 4;
                case INT8 -> 8;
                default -> -1;
            };
            return new Field(name, 0, (short) 0, typeOid, size, -1, (short) 0);
        }
    }

    public RowDescription {
        fields = Collections.unmodifiableList(new ArrayList<>(fields));
    }

    public static RowDescription decode(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        if (body.readableBytes() < 2) {
            throw new ProtocolException("RowDescription is truncated");
        }
        int count = body.readUnsignedShort();
        List<Field> fields = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String name = Wire.readCString(body);
            if (body.readableBytes() < 18) {
                throw new ProtocolException("RowDescription is truncated at field " + i);
            }
            fields.add(new Field(name, body.readInt(), body.readShort(), body.readInt(), body.readShort(),
                    body.readInt(), body.readShort()));
        }
        Wire.expectEnd(body, "RowDescription");
        return new RowDescription(fields);
    }

    @Override
    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, Backend.ROW_DESCRIPTION);
        out.writeShort(fields.size());
        for (Field field : fields) {
            Wire.writeCString(out, field.name());
            out.writeInt(field.tableOid());
            out.writeShort(field.columnNumber());
            out.writeInt(field.typeOid());
            out.writeShort(field.typeSize());
            out.writeInt(field.typeModifier());
            out.writeShort(field.format());
        }
        Wire.endMessage(out, lengthIndex);
    }
}
