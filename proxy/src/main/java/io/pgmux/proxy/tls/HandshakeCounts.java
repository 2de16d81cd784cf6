package io.pgmux.proxy.tls;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * TLS handshakes of one side of pgmux (clients, or servers), for {@code /metrics}: how many
 * succeeded, and how many failed by reason. Thread-safe; a count costs one {@link LongAdder}.
 *
 * @param <R> why a handshake fails on that side
 */
public final class HandshakeCounts<R extends Enum<R> & HandshakeCounts.Reason> {
    /** A failure reason, as the {@code reason} label of the metric. */
    public interface Reason {
        String label();
    }

    private final LongAdder succeeded = new LongAdder();
    private final Map<R, LongAdder> failed;

    public HandshakeCounts(Class<R> reasons) {
        failed = new EnumMap<>(reasons);
        for (R reason : reasons.getEnumConstants()) {
            failed.put(reason, new LongAdder());
        }
    }

    public void succeeded() {
        succeeded.increment();
    }

    public void failed(R reason) {
        failed.get(reason).increment();
    }

    public long succeededCount() {
        return succeeded.sum();
    }

    /** Every reason's label with its count, zeros included, in the order the reasons are declared. */
    public Map<String, Long> failedCounts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        failed.forEach((reason, count) -> counts.put(reason.label(), count.sum()));
        return counts;
    }
}
