package io.pgmux.protocol.message;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.pgmux.protocol.SpecBytes.concat;
import static io.pgmux.protocol.SpecBytes.cstring;
import static io.pgmux.protocol.SpecBytes.hex;
import static io.pgmux.protocol.SpecBytes.int16;
import static io.pgmux.protocol.SpecBytes.int32;
import static io.pgmux.protocol.SpecBytes.typed;
import static io.pgmux.protocol.WireAssertions.assertCodec;
import static io.pgmux.protocol.WireAssertions.assertProtocolViolation;

/** RowDescription: Int16 field count, then per field String name, Int32, Int16, Int32, Int16, Int32, Int16. */
class RowDescriptionTest {

    @Test
    void twoComputedTextFormatColumns() {
        // given: "database" text (oid 25, size -1) and "cl_active" int4 (oid 23, size 4), no table, modifier -1
        byte[] wire = typed('T', int16(2),
                cstring("database"), int32(0), int16(0), int32(25), int16(-1), int32(-1), int16(0),
                cstring("cl_active"), int32(0), int16(0), int32(23), int16(4), int32(-1), int16(0));
        // then
        assertCodec(wire, new RowDescription(List.of(
                RowDescription.Field.text("database", RowDescription.TEXT),
                RowDescription.Field.text("cl_active", RowDescription.INT4))), RowDescription::decode);
    }

    @Test
    void aTableColumnInBinaryFormat() {
        byte[] wire = typed('T', int16(1),
                cstring("id"), int32(16384), int16(1), int32(20), int16(8), int32(-1), int16(1));
        assertCodec(wire, new RowDescription(List.of(new RowDescription.Field("id", 16384, (short) 1, 20, (short) 8, -1,
                (short) 1))), RowDescription::decode);
    }

    @Test
    void noColumns() {
        assertCodec(hex("54 00000006 0000"), new RowDescription(List.of()), RowDescription::decode);
    }

    @Test
    void aTruncatedFieldIsAProtocolViolation() {
        assertProtocolViolation(typed('T', int16(1), cstring("id"), int32(0)), RowDescription::decode);
    }

    @Test
    void trailingBytesAreAProtocolViolation() {
        assertProtocolViolation(typed('T', concat(int16(0), hex("00"))), RowDescription::decode);
    }
}
