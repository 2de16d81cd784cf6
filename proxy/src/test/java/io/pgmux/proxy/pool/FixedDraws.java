package io.pgmux.proxy.pool;

import java.util.function.DoubleSupplier;
import java.util.random.RandomGenerator;

/** A random generator whose doubles the test chooses: the jitter of {@link LoginRetry} as a test plays it. */
final class FixedDraws implements RandomGenerator {
    private final DoubleSupplier draws;

    private FixedDraws(DoubleSupplier draws) {
        this.draws = draws;
    }

    /** Each draw asks {@code draws}: 0.5 is no jitter, 0 the shortest wait, just under 1 the longest. */
    static FixedDraws of(DoubleSupplier draws) {
        return new FixedDraws(draws);
    }

    @Override
    public double nextDouble() {
        return draws.getAsDouble();
    }

    @Override
    public long nextLong() {
        throw new UnsupportedOperationException("the login retry schedule draws doubles only");
    }
}
