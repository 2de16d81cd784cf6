package io.pgmux.bench.stats;

import io.pgmux.bench.scenario.Workload;

import java.util.Map;

/**
 * One workload run once against one target.
 *
 * @param target           the target's name
 * @param workload         what ran
 * @param repetition       1-based repetition (1 for {@code run})
 * @param clientsReady     clients that connected and logged in
 * @param seconds          the measured window (throughput, idle) or the storm's length
 * @param transactions     transactions completed without error in the window (storm: clients ready)
 * @param errors           failed transactions, connects and logins
 * @param latency          transaction latency (storm: each client's time until ready); may be empty
 * @param errorMessages    errors by message
 * @param cpuSeconds       CPU used by the target's processes in the window, null when unknown
 * @param rssBytes         the target's resident memory at the end of the window, null when unknown
 * @param rssBeforeBytes   the target's resident memory before the clients connected (idle), or null
 * @param allReadySeconds  storm: time until the last client was ready, null unless all were
 * @param generatorCpuSeconds CPU the load generator itself used in the window
 * @param skipped          why the workload did not run against this target, or null
 */
public record Measurement(String target, Workload workload, int repetition, int clientsReady, double seconds,
        long transactions, long errors, LatencySummary latency, Map<String, Long> errorMessages,
        Double cpuSeconds, Long rssBytes, Long rssBeforeBytes, Double allReadySeconds,
        double generatorCpuSeconds, String skipped) {

    public static Measurement skipped(String target, Workload workload, int repetition, String why) {
        return new Measurement(target, workload, repetition, 0, 0, 0, 0, LatencySummary.EMPTY, Map.of(),
                null, null, null, null, 0, why);
    }

    public double tps() {
        return seconds > 0 ? transactions / seconds : Double.NaN;
    }

    public boolean isSkipped() {
        return skipped != null;
    }

    /**
     * Idle: the target's resident memory divided by the clients connected, in bytes; NaN when
     * unknown. The whole footprint, not the increment: a JVM keeps the heap an earlier workload
     * grew, so "after minus before" says little about what a client costs.
     */
    public double rssPerClientBytes() {
        if (rssBytes == null || clientsReady == 0) {
            return Double.NaN;
        }
        return (double) rssBytes / clientsReady;
    }

    /** The most frequent error message, or null. */
    public String topError() {
        return errorMessages.isEmpty() ? null : errorMessages.keySet().iterator().next();
    }
}
