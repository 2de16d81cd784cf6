package io.pgmux.bench.scenario;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgmux.bench.sql.Protocol;
import io.pgmux.bench.sql.Sql;
import io.pgmux.bench.sql.StatementEncoder;

import java.util.SplittableRandom;

/**
 * Transactions of several statements, one round trip each, as an application (or pgbench) sends
 * them: the next statement goes once the previous one is answered. Subclasses list the statements
 * of the next transaction with {@link #statement}.
 */
abstract class ScriptedTransactions implements Transactions {
    private final StatementEncoder encoder;
    private ByteBuf[] steps;
    private int count;
    private ByteBufAllocator alloc;

    ScriptedTransactions(Protocol protocol, int maxStatements) {
        this.encoder = new StatementEncoder(protocol);
        this.steps = new ByteBuf[maxStatements];
    }

    /** Calls {@link #statement} once per statement of the next transaction. */
    abstract void script(SplittableRandom random);

    final void statement(Sql sql, String... values) {
        ByteBuf buf = alloc.buffer(128);
        try {
            encoder.write(buf, sql, values);
        } catch (RuntimeException e) {
            buf.release();
            throw e;
        }
        steps[count++] = buf;
    }

    @Override
    public final ByteBuf[] next(ByteBufAllocator alloc, SplittableRandom random) {
        this.alloc = alloc;
        this.count = 0;
        this.steps = new ByteBuf[steps.length];
        try {
            script(random);
        } catch (RuntimeException e) {
            for (int i = 0; i < count; i++) {
                steps[i].release();
            }
            throw e;
        }
        ByteBuf[] result = new ByteBuf[count];
        System.arraycopy(steps, 0, result, 0, count);
        return result;
    }
}
