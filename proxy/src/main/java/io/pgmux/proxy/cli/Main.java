package io.pgmux.proxy.cli;

import io.pgmux.proxy.net.HostLookup;
import io.pgmux.proxy.server.PgmuxServer;
import io.pgmux.proxy.server.ServerLauncher;
import picocli.CommandLine;

/** The jar's entry point: {@code java -jar pgmux.jar -c conf/pgmux.yaml}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        HostLookup.turnOffJvmCache(); // dns_max_ttl decides how long a server's addresses are used
        System.exit(run(args, PgmuxServer::start));
    }

    /** Runs the command line to the end and returns the process exit status. */
    static int run(String[] args, ServerLauncher launcher) {
        return new CommandLine(new PgmuxCommand(launcher)).execute(args);
    }
}
