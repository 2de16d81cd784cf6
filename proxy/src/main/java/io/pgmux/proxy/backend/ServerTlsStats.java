package io.pgmux.proxy.backend;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** TLS handshakes with servers, for {@code /metrics}: those that worked, and those that failed by reason. */
public final class ServerTlsStats {
    private final LongAdder handshakes = new LongAdder();
    private final Map<ServerTlsFailure, LongAdder> failures = new EnumMap<>(ServerTlsFailure.class);

    public ServerTlsStats() {
        for (ServerTlsFailure reason : ServerTlsFailure.values()) {
            failures.put(reason, new LongAdder());
        }
    }

    void handshakeDone() {
        handshakes.increment();
    }

    void failed(ServerTlsFailure reason) {
        failures.get(reason).increment();
    }

    public long handshakes() {
        return handshakes.sum();
    }

    /** Every reason (label value) with its count, zeros included. */
    public Map<String, Long> failures() {
        Map<String, Long> counts = new LinkedHashMap<>();
        failures.forEach((reason, count) -> counts.put(reason.label(), count.sum()));
        return counts;
    }
}
