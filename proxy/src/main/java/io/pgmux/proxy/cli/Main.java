package io.pgmux.proxy.cli;

import io.pgmux.proxy.net.HostLookup;
import io.pgmux.proxy.server.PgmuxServer;
import io.pgmux.proxy.server.ServerLauncher;
import picocli.CommandLine;

/** The jar's entry point: {@code java -jar pgmux.jar -c conf/pgmux.yaml}. */
public final class Main {
    private Main() {
    }

    /** Netty's buffer leak detector; tests run it at {@code paranoid}, a running pgmux without it unless asked. */
    static final String LEAK_DETECTION_PROPERTY = "io.netty.leakDetection.level";

    public static void main(String[] args) {
        HostLookup.turnOffJvmCache(); // dns_max_ttl decides how long a server's addresses are used
        turnOffLeakDetectionUnlessAsked();
        System.exit(run(args, PgmuxServer::start));
    }

    /**
     * Netty's default ({@code simple}) records a stack trace for one buffer in 128: on the hot path
     * that was 1.5% of the event loop's CPU in a profile (pgbench -S, 50 clients), for a diagnosis an
     * operator can still ask for with {@code -Dio.netty.leakDetection.level=simple}. Must run before
     * any Netty buffer class is loaded.
     */
    static void turnOffLeakDetectionUnlessAsked() {
        if (System.getProperty(LEAK_DETECTION_PROPERTY) == null) {
            System.setProperty(LEAK_DETECTION_PROPERTY, "disabled");
        }
    }

    /** Runs the command line to the end and returns the process exit status. */
    static int run(String[] args, ServerLauncher launcher) {
        return new CommandLine(new PgmuxCommand(launcher)).execute(args);
    }
}
