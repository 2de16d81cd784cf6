package io.pgmux.bench.sql;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.message.Bind;
import io.pgmux.protocol.message.Describe;
import io.pgmux.protocol.message.Execute;
import io.pgmux.protocol.message.Messages;
import io.pgmux.protocol.message.Parse;
import io.pgmux.protocol.message.Query;
import io.pgmux.protocol.message.Target;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * Writes one statement as one round trip in the chosen {@link Protocol}, through the
 * {@code protocol} module's encoders. One encoder per connection: in prepared mode it remembers
 * which statements that connection has parsed, as a driver does.
 */
public final class StatementEncoder {
    private static final int[] NO_TYPES = new int[0];

    private final Protocol protocol;
    private final Set<String> prepared = new HashSet<>();

    public StatementEncoder(Protocol protocol) {
        this.protocol = protocol;
    }

    public Protocol protocol() {
        return protocol;
    }

    /** Appends the messages of one round trip running {@code sql} with {@code values} to {@code out}. */
    public void write(ByteBuf out, Sql sql, String... values) {
        switch (protocol) {
            case SIMPLE -> new Query(sql.inline(values)).encode(out);
            case EXTENDED -> {
                sql.checkArity(values);
                new Parse("", sql.text(), NO_TYPES).encode(out);
                Bind.of("", "", Arrays.asList(values)).encode(out);
                new Describe(Target.PORTAL, "").encode(out);
                new Execute("", 0).encode(out);
                out.writeBytes(Messages.sync());
            }
            case PREPARED -> {
                sql.checkArity(values);
                if (prepared.add(sql.name())) {
                    new Parse(sql.name(), sql.text(), NO_TYPES).encode(out);
                    new Describe(Target.STATEMENT, sql.name()).encode(out);
                }
                Bind.of("", sql.name(), Arrays.asList(values)).encode(out);
                new Execute("", 0).encode(out);
                out.writeBytes(Messages.sync());
            }
            default -> throw new IllegalStateException(protocol.toString());
        }
    }

    /** Forgets what the connection had prepared (after it was replaced by a new one). */
    public void reset() {
        prepared.clear();
    }
}
