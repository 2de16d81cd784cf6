package io.pgmux.bench.sql;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.message.Bind;
import io.pgmux.protocol.message.Execute;
import io.pgmux.protocol.message.Parse;
import io.pgmux.protocol.message.Query;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StatementEncoderTest {
    static final Sql SQL = new Sql("stmt", "SELECT $1::int");

    @Test
    void simpleProtocolIsOneQueryWithTheValueInline() {
        List<ByteBuf> frames = encode(new StatementEncoder(Protocol.SIMPLE));
        try {
            assertEquals("Q", types(frames));
            assertEquals(new Query("SELECT '7'::int"), Query.decode(frames.get(0)));
        } finally {
            frames.forEach(ByteBuf::release);
        }
    }

    @Test
    void extendedProtocolParsesTheUnnamedStatementEveryTime() {
        StatementEncoder encoder = new StatementEncoder(Protocol.EXTENDED);
        encode(encoder).forEach(ByteBuf::release);
        List<ByteBuf> frames = encode(encoder);
        try {
            assertEquals("PBDES", types(frames));
            assertEquals(new Parse("", "SELECT $1::int", new int[0]), Parse.decode(frames.get(0)));
            assertEquals(Bind.of("", "", List.of("7")), Bind.decode(frames.get(1)));
        } finally {
            frames.forEach(ByteBuf::release);
        }
    }

    @Test
    void preparedProtocolParsesTheNamedStatementOncePerConnection() {
        StatementEncoder encoder = new StatementEncoder(Protocol.PREPARED);
        List<ByteBuf> first = encode(encoder);
        List<ByteBuf> second = encode(encoder);
        try {
            assertEquals("PDBES", types(first));
            assertEquals(new Parse("stmt", "SELECT $1::int", new int[0]), Parse.decode(first.get(0)));
            assertEquals("BES", types(second));
            assertEquals(Bind.of("", "stmt", List.of("7")), Bind.decode(second.get(0)));
            assertEquals(new Execute("", 0), Execute.decode(second.get(1)));
        } finally {
            first.forEach(ByteBuf::release);
            second.forEach(ByteBuf::release);
        }
    }

    private static List<ByteBuf> encode(StatementEncoder encoder) {
        ByteBuf buf = Unpooled.buffer();
        try {
            encoder.write(buf, SQL, "7");
            List<ByteBuf> frames = new ArrayList<>();
            ByteBuf frame;
            while ((frame = Frames.readFrame(buf, 1 << 20)) != null) {
                frames.add(frame);
            }
            assertEquals(0, buf.readableBytes(), "nothing after the last whole message");
            return frames;
        } finally {
            buf.release();
        }
    }

    private static String types(List<ByteBuf> frames) {
        StringBuilder sb = new StringBuilder();
        frames.forEach(f -> sb.append((char) Frames.type(f)));
        return sb.toString();
    }
}
