package io.pgmux.bench.stats;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Errors by message, counted from any thread. At most {@value #MAX_DISTINCT} distinct messages are
 * kept; the rest are counted under {@value #OTHER}.
 */
public final class ErrorTally {
    static final int MAX_DISTINCT = 20;
    static final String OTHER = "(other errors)";

    private final ConcurrentHashMap<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final LongAdder total = new LongAdder();

    public void add(String message) {
        add(message, 1);
    }

    public void add(String message, long count) {
        total.add(count);
        LongAdder counter = counts.get(message);
        if (counter == null) {
            String key = counts.size() >= MAX_DISTINCT ? OTHER : message;
            counter = counts.computeIfAbsent(key, k -> new LongAdder());
        }
        counter.add(count);
    }

    /** Adds every count of {@code other}. */
    public void addAll(ErrorTally other) {
        other.snapshot().forEach(this::add);
    }

    public long total() {
        return total.sum();
    }

    /** Messages by count, most frequent first. */
    public Map<String, Long> snapshot() {
        Map<String, Long> sorted = new LinkedHashMap<>();
        counts.entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue().sum(), a.getValue().sum()))
                .forEach(e -> sorted.put(e.getKey(), e.getValue().sum()));
        return sorted;
    }
}
