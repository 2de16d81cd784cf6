package io.pgmux.proxy.cli;

import java.io.PrintWriter;
import java.net.BindException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;

import io.pgmux.proxy.config.CliOverrides;
import io.pgmux.proxy.config.ConfigEnvironment;
import io.pgmux.proxy.backend.ServerTlsContexts;
import io.pgmux.proxy.config.ConfigException;
import io.pgmux.proxy.config.ConfigLoader;
import io.pgmux.proxy.config.ConfigSource;
import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.config.PgmuxConfig;
import io.pgmux.proxy.config.PoolMode;
import io.pgmux.proxy.server.RunningServer;
import io.pgmux.proxy.server.ServerLauncher;
import io.pgmux.proxy.util.PgmuxVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code pgmux [-c FILE] [--check] [overrides]}: loads the config (the file, or {@code PGMUX_CONFIG}'s,
 * with the {@code PGMUX_<KEY>} variables over it: see {@link ConfigEnvironment}), applies the overrides, then either
 * reports that the config is fine ({@code --check}) or runs the proxy until SIGTERM/SIGINT. SIGHUP
 * reads the file again (with the same overrides) and applies it, like the admin console's RELOAD.
 *
 * <p>Exit status: 0 after {@code --check} succeeds or the proxy stops cleanly, 1 if the proxy cannot
 * start, 2 for a bad config or command line.
 */
@Command(name = "pgmux",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        subcommands = ConvertConfigCommand.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
            "A transaction-pooling proxy for PostgreSQL.",
            "",
            "Clients connect to pgmux as if it were Postgres; pgmux lends them server connections from a"
                    + " pool per (database, user) for one transaction at a time (or a whole session).",
            "Options given here win over the environment, which wins over the config file.",
            ""},
        footerHeading = "%nEnvironment:%n",
        footer = {
            "  PGMUX_CONFIG=FILE      the config file when -c is not given",
            "  PGMUX_<KEY>=VALUE      sets a key of the file: PGMUX_ and the key's name in upper case, a dot as _",
            "                         (PGMUX_POOL_SIZE=50, PGMUX_HTTP_LISTEN=0.0.0.0:9127, PGMUX_LOG_FORMAT=json;",
            "                         PGMUX_DATABASES and PGMUX_USERS hold YAML: '{app: {host: db, port: 5432}}')"},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:--check passed, or the proxy stopped cleanly (also after SIGTERM/SIGINT)",
            "1:the proxy could not start (address in use, ...)",
            "2:invalid config or command line"})
public final class PgmuxCommand implements Callable<Integer> {
    public static final int EXIT_OK = 0;
    public static final int EXIT_START_FAILED = 1;
    public static final int EXIT_BAD_CONFIG = 2;

    private static final Logger log = LoggerFactory.getLogger(PgmuxCommand.class);
    /**
     * After an OutOfMemoryError any thread may have died half-way (an event loop, the signal
     * dispatcher): the process must end so that its supervisor starts a fresh one.
     */
    static final String NO_EXIT_ON_OOM_WARNING = "the JVM runs without -XX:+ExitOnOutOfMemoryError: after an"
            + " OutOfMemoryError pgmux would go on half-working instead of exiting; add the option to the java command"
            + " line (java -XX:+ExitOnOutOfMemoryError -jar pgmux.jar ...) so that its supervisor restarts it";

    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "YAML config file (see conf/pgmux.yaml). Without it, the file PGMUX_CONFIG names; without"
                    + " both, the built-in defaults: listen on 127.0.0.1:6432 and send every database to 127.0.0.1:5432.")
    Path configFile;

    @Option(names = "--check",
            description = "Load and validate the config with the options below applied, print 'config OK' and exit.")
    boolean check;

    @Option(names = "--listen", paramLabel = "HOST:PORT", converter = ListenConverter.class,
            description = "Where clients connect; replaces 'listen'. Port 0 = any free port.")
    HostPort listen;

    @Option(names = "--upstream", paramLabel = "HOST:PORT", converter = UpstreamConverter.class,
            description = "Server for databases not listed in the file; replaces 'upstream'."
                    + " Listed databases keep their own host and port.")
    HostPort upstream;

    @Option(names = "--pool-size", paramLabel = "N", converter = PoolSizeConverter.class,
            description = "Server connections per (database, user) pool. Replaces 'pool_size' AND the"
                    + " pool_size of every listed database, even one that sets its own.")
    Integer poolSize;

    @Option(names = "--pool-mode", paramLabel = "MODE", converter = PoolModeConverter.class,
            description = "transaction, session or statement. Replaces 'pool_mode' AND the pool_mode of every"
                    + " listed database, even one that sets its own.")
    PoolMode poolMode;

    @Option(names = "--http", paramLabel = "HOST:PORT", converter = HttpConverter.class,
            description = "Where /metrics, /healthz and /readyz are served; replaces 'http.listen'. Port 0 = any free"
                    + " port; \"\" = no HTTP endpoint.")
    HttpListen http;

    private final ServerLauncher launcher;
    private final Map<String, String> env;
    private final Jvm jvm;

    public PgmuxCommand(ServerLauncher launcher) {
        this(launcher, System.getenv(), Jvm.RUNTIME);
    }

    PgmuxCommand(ServerLauncher launcher, Map<String, String> env, Jvm jvm) {
        this.launcher = Objects.requireNonNull(launcher, "launcher");
        this.env = Objects.requireNonNull(env, "env");
        this.jvm = Objects.requireNonNull(jvm, "jvm");
    }

    @Override
    public Integer call() {
        PgmuxConfig config;
        CliOverrides overrides = new CliOverrides(listen, upstream, poolSize, poolMode,
                http != null ? http.address() : null, http != null && http.address() == null);
        Path file = configFile != null ? configFile : ConfigEnvironment.configFile(env).orElse(null);
        ConfigSource source = () -> (file == null ? ConfigLoader.parse("", env) : ConfigLoader.load(file, env))
                .withOverrides(overrides);
        try {
            config = source.load();
            ServerTlsContexts.build(config); // the files of server_tls: named by their YAML path when they cannot be used
        } catch (ConfigException e) {
            PrintWriter err = spec.commandLine().getErr();
            e.errors().forEach(err::println);
            err.flush();
            return EXIT_BAD_CONFIG;
        }
        if (check) {
            PrintWriter out = spec.commandLine().getOut();
            out.println("config OK: " + describe(file));
            out.flush();
            return EXIT_OK;
        }
        return run(config, source, file);
    }

    /** Where the config came from: {@code /etc/pgmux/pgmux.yaml, with PGMUX_POOL_SIZE from the environment}. */
    private String describe(Path file) {
        List<String> variables = ConfigEnvironment.setIn(env);
        return (file == null ? "built-in defaults" : file.toString())
                + (variables.isEmpty() ? "" : ", with " + String.join(", ", variables) + " from the environment");
    }

    /** Starts the proxy and blocks until it stops. */
    private int run(PgmuxConfig config, ConfigSource source, Path file) {
        RunningServer server;
        try {
            server = launcher.start(config, source);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.debug("start failed", e);
            PrintWriter err = spec.commandLine().getErr();
            err.println("pgmux: cannot start: " + reason(e, config));
            err.flush();
            return EXIT_START_FAILED;
        }
        if (!jvm.exitsOnOutOfMemoryError()) {
            log.warn(NO_EXIT_ON_OOM_WARNING);
        }
        log.info("pgmux {} listening on {}", PgmuxVersion.current(), server.boundAddress());
        log.info("config: {}", describe(file));
        for (String unknown : ConfigEnvironment.unknownIn(env)) {
            log.warn("the environment variable {} sets no key (a key's variable is PGMUX_ and its name in upper case,"
                    + " as PGMUX_POOL_SIZE or PGMUX_HTTP_LISTEN); it is used only where the config names it as {}",
                    unknown, "${" + unknown + "}");
        }

        Thread hook = new Thread(() -> stopOnSignal(server, config), "pgmux-shutdown");
        jvm.addShutdownHook(hook);
        Jvm.Hangup hangup = jvm.onHangup(() -> {
            log.info("SIGHUP: reloading {}", file == null ? "(built-in defaults)" : file);
            server.requestReload();
        });
        switch (hangup) {
            case CAUGHT -> log.debug("SIGHUP reloads the config");
            case IGNORED -> log.warn("SIGHUP is ignored in this process (started under nohup?): reload the config with"
                    + " the admin console's RELOAD, or start pgmux without nohup");
            case UNSUPPORTED -> log.warn("this JVM cannot catch SIGHUP: reload the config with the admin console's RELOAD");
        }
        try {
            server.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownGracefully();
            jvm.removeShutdownHook(hook);
            return EXIT_START_FAILED;
        }
        if (jvm.removeShutdownHook(hook)) {
            log.info("pgmux stopped"); // by itself; on a signal the hook says so
        }
        return EXIT_OK;
    }

    /**
     * The shutdown hook (SIGTERM, SIGINT): stop gracefully, wait, and end the process with status 0.
     * Without the halt the JVM would report 128 + the signal number (143 for SIGTERM), which service
     * managers take for a failure although the stop went as planned.
     */
    private void stopOnSignal(RunningServer server, PgmuxConfig config) {
        long millis = config.shutdownTimeout().toMillis();
        log.info("pgmux shutting down: running transactions have {} to finish",
                millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms");
        server.shutdownGracefully();
        try {
            server.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return; // leave the JVM's own exit status
        }
        log.info("pgmux stopped");
        jvm.halt(EXIT_OK);
    }

    /** One line for the operator: the exception's message, with the address for a bind failure. */
    private static String reason(Exception e, PgmuxConfig config) {
        String message = e.getMessage() == null || e.getMessage().isBlank()
                ? e.getClass().getSimpleName()
                : e.getMessage().replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
        return e instanceof BindException ? "cannot listen on " + config.listen() + ": " + message : message;
    }

    static final class ListenConverter implements ITypeConverter<HostPort> {
        @Override
        public HostPort convert(String value) {
            try {
                return HostPort.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code --http}'s value: an address, or null for "" (no HTTP endpoint, as {@code http.listen: ""}). */
    record HttpListen(HostPort address) {}

    static final class HttpConverter implements ITypeConverter<HttpListen> {
        @Override
        public HttpListen convert(String value) {
            return new HttpListen(value.isBlank() ? null : new ListenConverter().convert(value));
        }
    }

    static final class UpstreamConverter implements ITypeConverter<HostPort> {
        @Override
        public HostPort convert(String value) {
            HostPort hostPort = new ListenConverter().convert(value);
            if (hostPort.port() == 0) {
                throw new TypeConversionException("port must be 1..65535 (got \"" + value + "\")");
            }
            return hostPort;
        }
    }

    static final class PoolSizeConverter implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int size;
            try {
                size = Integer.parseInt(value.strip());
            } catch (NumberFormatException e) {
                throw new TypeConversionException("must be an integer (got \"" + value + "\")");
            }
            if (size < 1 || size > PgmuxConfig.MAX_POOL_SIZE) {
                throw new TypeConversionException("must be 1.." + PgmuxConfig.MAX_POOL_SIZE + " (got " + size + ")");
            }
            return size;
        }
    }

    static final class PoolModeConverter implements ITypeConverter<PoolMode> {
        @Override
        public PoolMode convert(String value) {
            return PoolMode.fromYaml(value).orElseThrow(() -> new TypeConversionException(
                    "must be one of " + PoolMode.choices() + " (got \"" + value + "\")"));
        }
    }
}
