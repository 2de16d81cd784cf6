package io.pgmux.bench.scenario;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.pgmux.bench.sql.Protocol;
import io.pgmux.bench.sql.Sql;
import io.pgmux.bench.sql.StatementEncoder;

import java.util.SplittableRandom;

/**
 * {@code SELECT 1} per transaction: nothing but the cost of a round trip through the target. Its
 * messages never change, so they are encoded once and every send is a duplicate (no allocation).
 */
public final class Select1 implements Scenario {
    static final Sql SELECT_1 = new Sql("pgmux_bench_select1", "SELECT 1");

    @Override
    public String name() {
        return "select1";
    }

    @Override
    public String description() {
        return "One SELECT 1 per transaction, in the simple protocol (Query), the extended protocol"
                + " (Parse/Bind/Describe/Execute/Sync each time) or prepared (a named statement parsed once per"
                + " connection, then Bind/Execute/Sync). Measures the round-trip cost the target adds.";
    }

    @Override
    public Kind kind() {
        return Kind.THROUGHPUT;
    }

    @Override
    public Transactions newClient(Protocol protocol, int scale) {
        ByteBuf first = encode(new StatementEncoder(protocol));
        StatementEncoder steady = new StatementEncoder(protocol);
        encode(steady).release();
        ByteBuf then = encode(steady);
        return new Transactions() {
            private boolean started;

            @Override
            public ByteBuf[] next(ByteBufAllocator alloc, SplittableRandom random) {
                ByteBuf buf = started ? then : first;
                started = true;
                return new ByteBuf[] {buf.duplicate()};
            }
        };
    }

    /** An unreleasable buffer of one round trip: its duplicates may be written and released freely. */
    private static ByteBuf encode(StatementEncoder encoder) {
        ByteBuf buf = Unpooled.buffer();
        encoder.write(buf, SELECT_1);
        return Unpooled.unreleasableBuffer(buf.asReadOnly());
    }
}
