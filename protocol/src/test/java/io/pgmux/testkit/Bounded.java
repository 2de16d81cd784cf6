package io.pgmux.testkit;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a fuzz target with a time limit, so that an endless loop in a parser fails the test with
 * its input instead of hanging the build. The target runs on one daemon thread shared by all
 * callers; a target that never returns keeps that thread, and every later call fails too.
 */
public final class Bounded {
    private static final ExecutorService RUNNER = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "fuzz-target");
        thread.setDaemon(true);
        return thread;
    });

    private Bounded() {
    }

    /** What {@code target} returned, or what it threw; an {@link AssertionError} after {@code millis}. */
    public static <T> T call(long millis, Callable<T> target) throws Exception {
        Future<T> result = RUNNER.submit(target);
        try {
            return result.get(millis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            result.cancel(true);
            throw new AssertionError("the fuzz target did not return within " + millis + " ms: an endless loop?");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw (Error) e.getCause();
        }
    }

    /** As {@link #call}, for a target that returns nothing. */
    public static void run(long millis, ThrowingRunnable target) throws Exception {
        call(millis, () -> {
            target.run();
            return null;
        });
    }

    /** A target that may throw anything. */
    @FunctionalInterface
    public interface ThrowingRunnable {
        void run() throws Exception;
    }
}
