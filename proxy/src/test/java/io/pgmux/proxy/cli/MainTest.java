package io.pgmux.proxy.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the entry point sets before Netty loads (the test JVM's own Netty was set up long before). */
class MainTest {
    private String levelBefore;

    @BeforeEach
    void rememberLevel() {
        levelBefore = System.getProperty(Main.LEAK_DETECTION_PROPERTY);
    }

    @AfterEach
    void restoreLevel() {
        if (levelBefore == null) {
            System.clearProperty(Main.LEAK_DETECTION_PROPERTY);
        } else {
            System.setProperty(Main.LEAK_DETECTION_PROPERTY, levelBefore);
        }
    }

    @Test
    void leakDetectionIsOffWhenNobodyAskedForIt() {
        System.clearProperty(Main.LEAK_DETECTION_PROPERTY);

        Main.turnOffLeakDetectionUnlessAsked();

        assertEquals("disabled", System.getProperty(Main.LEAK_DETECTION_PROPERTY));
    }

    @Test
    void aLevelGivenOnTheCommandLineIsKept() {
        System.setProperty(Main.LEAK_DETECTION_PROPERTY, "simple");

        Main.turnOffLeakDetectionUnlessAsked();

        assertEquals("simple", System.getProperty(Main.LEAK_DETECTION_PROPERTY));
    }
}
