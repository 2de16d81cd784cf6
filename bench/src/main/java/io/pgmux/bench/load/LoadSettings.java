package io.pgmux.bench.load;

import io.pgmux.bench.net.ConnectSettings;

import java.time.Duration;

/**
 * How a workload is driven.
 *
 * @param connect            database, user, password, connect timeout (the address comes from the target)
 * @param duration           the measured window (idle: how long the clients stay idle)
 * @param warmup             load before the window that is not counted
 * @param rate               total transactions per second to aim at (0 = closed loop: as fast as answered)
 * @param coCorrect          with a rate: measure latency from when each transaction was due, not sent
 * @param connectConcurrency logins in flight at once while clients connect (storm: all)
 * @param scale              tpcb's scale factor
 * @param stormTimeout       how long a storm waits for its clients
 */
public record LoadSettings(ConnectSettings connect, Duration duration, Duration warmup, double rate,
        boolean coCorrect, int connectConcurrency, int scale, Duration stormTimeout) {

    public LoadSettings {
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration must be positive");
        }
        if (warmup.isNegative()) {
            throw new IllegalArgumentException("warmup must not be negative");
        }
        if (rate < 0) {
            throw new IllegalArgumentException("rate must not be negative");
        }
        if (coCorrect && rate == 0) {
            throw new IllegalArgumentException("--co-correct needs --rate: a closed loop has no schedule to measure"
                    + " lateness against");
        }
        if (connectConcurrency < 1) {
            throw new IllegalArgumentException("connect concurrency must be at least 1");
        }
        if (scale < 1) {
            throw new IllegalArgumentException("scale must be at least 1");
        }
    }
}
