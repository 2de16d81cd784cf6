package io.pgmux.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import io.netty.util.ResourceLeakTracker;
import io.netty.util.internal.StringUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class in which Netty found a leaked resource (a {@code ByteBuf} garbage-collected
 * without {@code release()}, a timer never stopped, ...).
 *
 * <p>Netty's leak detector only logs. This extension installs, once per JVM and before any buffer
 * class is initialised, a {@link ResourceLeakDetectorFactory} whose detectors record every report
 * instead of logging it. After each test class it runs a GC, makes every detector poll its
 * reference queue, and fails the class with the access records of each leak found: the failure
 * is the report, and tests that leak on purpose (see {@code LeakCheckTest}) leave no alarming
 * {@code LEAK:} lines in the build log.
 *
 * <p><b>Registration.</b> Nothing to write in a test: this jar lists the extension in
 * {@code META-INF/services/org.junit.jupiter.api.extension.Extension}, and a module that depends on
 * {@code pgmux-testkit} (test scope) turns JUnit's auto-detection on in its
 * {@code src/test/resources/junit-platform.properties}:
 * {@code junit.jupiter.extensions.autodetection.enabled=true}.
 *
 * <p><b>Level.</b> The build runs tests with {@code -Dio.netty.leakDetection.level=paranoid}, which
 * tracks every buffer and keeps where it was created and last touched. When that property is not
 * set (a test started from an IDE) this extension sets the level to paranoid itself.
 *
 * <p><b>API for tests that look themselves</b> (for example a test of a release path):
 * {@link #collectLeaks()} runs the same GC-and-poll as the end of a class and returns, and forgets,
 * the leaks found so far; a leak a test has collected no longer fails its class.
 *
 * <p><b>Limits.</b> A leak becomes visible only when the leaked object is garbage-collected. One
 * that the GC at the end of its class misses is reported by a later class; its records (the stack
 * where the buffer was allocated) still name the real culprit. Netty reports each distinct leak
 * record once per JVM, so the same leak site fails only the first class that hits it.
 */
public final class LeakCheck implements BeforeAllCallback, AfterAllCallback {

    private static final String LEVEL_PROPERTY = "io.netty.leakDetection.level";
    /** GC-then-poll rounds: a reference cleared by one GC is enqueued by another thread, later. */
    private static final int GC_ROUNDS = 3;
    private static final long ENQUEUE_WAIT_MILLIS = 20;

    private static final Queue<Leak> LEAKS = new ConcurrentLinkedQueue<>();
    private static final RecordingFactory FACTORY = new RecordingFactory();
    /** Why leaks cannot be caught in this JVM, or null when the factory is in place. */
    private static final String INSTALL_PROBLEM = install();

    /** One leak as Netty reported it: the resource's type and its access records (may be empty). */
    public record Leak(String resourceType, String records) {
        @Override
        public String toString() {
            return "LEAK: a " + resourceType + " was garbage-collected without being released."
                    + (records.isEmpty()
                            ? " No access records: run with -D" + LEVEL_PROPERTY + "=paranoid to see them."
                            : records);
        }
    }

    /** Created by JUnit through auto-detection; tests do not construct it. */
    public LeakCheck() {
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        requireInstalled();
    }

    /**
     * Installs the recording detector (on the first use of this class) and fails when that was too
     * late; for test engines other than Jupiter (see {@code NoNettyLeaks}).
     */
    public static void requireInstalled() {
        if (INSTALL_PROBLEM != null) {
            throw new ExtensionConfigurationException(INSTALL_PROBLEM);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        List<Leak> leaks = collectLeaks();
        if (leaks.isEmpty()) {
            return;
        }
        StringBuilder message = new StringBuilder()
                .append(leaks.size()).append(" Netty resource leak(s) found after ")
                .append(context.getRequiredTestClass().getName())
                .append(" (a leak the previous class's GC missed can surface here; the records name"
                        + " where it was allocated):");
        for (Leak leak : leaks) {
            message.append("\n\n").append(leak);
        }
        throw new AssertionError(message.toString());
    }

    /**
     * Runs a GC, makes every Netty leak detector poll its reference queue, and returns the leaks
     * recorded since the last call (they are forgotten: they will not fail the current class).
     */
    public static List<Leak> collectLeaks() {
        for (int round = 0; round < GC_ROUNDS; round++) {
            System.gc();
            try {
                Thread.sleep(ENQUEUE_WAIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            FACTORY.detectors.forEach(RecordingDetector::poll);
        }
        List<Leak> found = new ArrayList<>();
        for (Leak leak; (leak = LEAKS.poll()) != null; ) {
            found.add(leak);
        }
        return found;
    }

    private static String install() {
        if (System.getProperty(LEVEL_PROPERTY) == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        }
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(FACTORY);
        // ByteBuf's detector is a static field, created when the first buffer class initialises.
        // Initialise it now, and make sure it came from our factory rather than from an earlier one.
        Unpooled.buffer(1).release();
        if (!FACTORY.created(ByteBuf.class)) {
            return "Netty's ByteBuf leak detector was created before LeakCheck installed its factory,"
                    + " so leaks cannot fail tests in this JVM. Something initialised Netty buffers"
                    + " before JUnit loaded its extensions (a static initialiser in a test engine or"
                    + " listener?). Is junit.jupiter.extensions.autodetection.enabled=true set?";
        }
        return null;
    }

    private static final class RecordingFactory extends ResourceLeakDetectorFactory {
        final List<RecordingDetector<?>> detectors = new CopyOnWriteArrayList<>();

        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval) {
            RecordingDetector<T> detector = new RecordingDetector<>(resource, samplingInterval);
            detectors.add(detector);
            return detector;
        }

        @Deprecated
        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(
                Class<T> resource, int samplingInterval, long maxActive) {
            return newResourceLeakDetector(resource, samplingInterval);
        }

        boolean created(Class<?> resource) {
            return detectors.stream().anyMatch(d -> d.resource == resource);
        }
    }

    private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {
        final Class<T> resource;

        RecordingDetector(Class<T> resource, int samplingInterval) {
            super(resource, samplingInterval);
            this.resource = resource;
        }

        /** Report even when Netty's logger is quiet: the report is what fails the test. */
        @Override
        protected boolean needReport() {
            return true;
        }

        /** Recorded, not logged: the failure of the test class prints it, once. */
        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            LEAKS.add(new Leak(resourceType, records));
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            LEAKS.add(new Leak(resourceType, ""));
        }

        /**
         * Netty polls a detector's reference queue only when it starts tracking something, so
         * track (forcibly, whatever the sampling) a throw-away object and close the tracker at once.
         * The detector never touches the object beyond its identity, so its type does not matter.
         */
        @SuppressWarnings("unchecked")
        void poll() {
            T probe = (T) new Object();
            ResourceLeakTracker<T> tracker = trackForcibly(probe);
            if (tracker != null) {
                tracker.close(probe);
            }
        }

        @Override
        public String toString() {
            return "RecordingDetector[" + StringUtil.simpleClassName(resource) + "]";
        }
    }
}
