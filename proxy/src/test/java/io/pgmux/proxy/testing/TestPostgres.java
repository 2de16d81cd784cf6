package io.pgmux.proxy.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private PostgreSQL cluster for integration tests, created by the tests themselves so that they
 * depend neither on the machine's own cluster nor on how it is configured.
 *
 * <pre>{@code
 * TestPostgres pg = TestPostgres.get();            // started on first use, once per JVM
 * try (Connection c = pg.connect(TestPostgres.DATABASE, TestPostgres.SCRAM_USER, TestPostgres.SCRAM_PASSWORD)) { ... }
 * }</pre>
 *
 * <h2>API</h2>
 * <ul>
 *   <li>{@link #get()}: the JVM-wide instance, created and started on first call (thread-safe). If
 *       that fails, this and every later call throw, with the output of {@code initdb} or
 *       {@code pg_ctl} and the tail of the server log.
 *   <li>{@link #host()}, {@link #port()}, {@link #jdbcUrl(String)}: where it listens (TCP on
 *       127.0.0.1 only).
 *   <li>{@link #connect(String, String, String)}: a plain pgJDBC connection, straight to the server.
 *   <li>{@link #execute(String)}: runs SQL as {@value #SUPERUSER} on {@value #DATABASE}.
 *   <li>{@link #stop()} ({@code -m fast}), {@link #start()}, {@link #restart()},
 *       {@link #isRunning()}: the server keeps its port across them.
 *   <li>{@link #binDir()}: the server's binaries ({@code pgbench}, {@code psql} are there too).
 *   <li>{@link #logTail(int)}: the end of the server log, to attach to a failing assertion.
 * </ul>
 *
 * <h2>The TLS cluster</h2>
 * {@link #withTls()} is a second JVM-wide cluster, made the same way, that takes TCP connections only
 * over TLS: {@code ssl = on} with {@link TestCertificates#server()} (for {@code localhost} and
 * {@code 127.0.0.1}) and its CA as {@code ssl_ca_file}; {@code pg_hba.conf} has {@code hostssl} lines
 * only: {@value #CERT_USER} logs in with a client certificate ({@code cert}), {@value #SCRAM_USER} with
 * scram-sha-256, the others are trusted. A plaintext login over TCP gets Postgres's {@code 28000}
 * ("no pg_hba.conf entry ... no encryption").
 *
 * <h2>The cluster</h2>
 * <ul>
 *   <li>Binaries from {@code pg_config --bindir} when that has {@code initdb}, else the newest
 *       {@code /usr/lib/postgresql/<version>/bin}.
 *   <li>Made by {@code initdb -U postgres} in a fresh {@code <tmp>/pgmux-test-pg-<random>/data}; the
 *       server log is {@code data/postgresql.log} and the unix socket is in {@code data/}.
 *   <li>Port: env {@code PGMUX_TEST_PG_PORT}, else a free one chosen below the kernel's ephemeral
 *       range (so that a restart does not find it taken by some client socket).
 *   <li>{@code max_connections = 400}, {@code max_prepared_transactions = 10} (PREPARE TRANSACTION
 *       tests); {@code fsync}, {@code synchronous_commit} and
 *       {@code full_page_writes} off (a crash loses nothing a test needs); {@code TimeZone = UTC};
 *       {@code wal_level = logical}, and replication connections trusted as the others (ReplicationIT).
 *   <li>Roles: {@value #SUPERUSER} (superuser, no password); {@value #MD5_USER} (secret stored as an
 *       md5 hash, must log in with md5); {@value #SCRAM_USER} (SCRAM secret, scram-sha-256);
 *       {@value #CLEARTEXT_USER} (SCRAM secret, asked for in cleartext: {@code password}); members of
 *       {@value #SCRAM_ROLES} must use scram-sha-256 and of {@value #MD5_ROLES} md5. Anybody
 *       else is trusted, over TCP and over the socket. Database {@value #DATABASE}, owned by
 *       postgres, whose {@code public} schema anybody may create in.
 *   <li>When the JVM runs as root, every server command runs as the {@code postgres} OS user
 *       ({@code runuser -u postgres --}), which owns the directory.
 *   <li>A shutdown hook stops the server ({@code -m immediate}) and deletes the directory. The
 *       directories of JVMs that died without running it are cleaned up by the next start.
 * </ul>
 */
public final class TestPostgres {

    public static final String HOST = "127.0.0.1";
    public static final String DATABASE = "pgmux_test";
    public static final String SUPERUSER = "postgres";
    public static final String MD5_USER = "md5_user";
    public static final String MD5_PASSWORD = "md5-secret";
    public static final String SCRAM_USER = "scram_user";
    public static final String SCRAM_PASSWORD = "scram-secret";
    public static final String CLEARTEXT_USER = "cleartext_user";
    public static final String CLEARTEXT_PASSWORD = "cleartext-secret";
    /** On the TLS cluster: logs in with a client certificate whose CN is its name. */
    public static final String CERT_USER = "cert_user";
    /** Members of this group must log in with SCRAM-SHA-256 (make a role with {@code IN ROLE} it). */
    public static final String SCRAM_ROLES = "pgmux_scram_roles";
    /** Members of this group must log in with md5 (their secret must be an md5 hash, see {@code password_encryption}). */
    public static final String MD5_ROLES = "pgmux_md5_roles";

    /**
     * A {@code databases} entry of pgmux's YAML named {@code name}, on the test database, with
     * {@code settings} (lines such as {@code "server_lifetime: 1s"}) under it.
     */
    public static String databaseEntry(String name, String... settings) {
        StringBuilder entry = new StringBuilder("  " + name + ":\n    host: " + HOST + "\n    port: ${PG_PORT}\n    dbname: "
                + DATABASE + "\n");
        for (String setting : settings) {
            entry.append("    ").append(setting).append('\n');
        }
        return entry.toString();
    }

    private static final String PORT_ENV = "PGMUX_TEST_PG_PORT";
    private static final String DIR_PREFIX = "pgmux-test-pg-";
    private static final String OWNER_PID_FILE = "owner.pid";
    private static final String SERVER_OS_USER = "postgres";
    private static final long COMMAND_TIMEOUT_SECONDS = 120;
    private static final int PG_CTL_WAIT_SECONDS = 60;
    private static final int START_ATTEMPTS = 3;
    /** Below Linux's default ephemeral range (32768-60999) and above the usual fixed ports. */
    private static final int MIN_PORT = 20000;
    private static final int MAX_PORT = 32000;

    private static TestPostgres instance;
    private static RuntimeException startupFailure;
    private static TestPostgres tlsInstance;
    private static RuntimeException tlsStartupFailure;

    private final Path binDir;
    private final Path baseDir;
    private final Path dataDir;
    private final Path logFile;
    private final boolean asServerUser;
    /** The TLS cluster's certificates; null for the plain one. */
    private final TestCertificates certificates;
    /** Chosen before {@link #get()} publishes the instance; never changes after. */
    private int port;

    private TestPostgres(Path binDir, Path baseDir, boolean asServerUser) {
        this(binDir, baseDir, asServerUser, null);
    }

    private TestPostgres(Path binDir, Path baseDir, boolean asServerUser, TestCertificates certificates) {
        this.certificates = certificates;
        this.binDir = binDir;
        this.baseDir = baseDir;
        this.dataDir = baseDir.resolve("data");
        this.logFile = dataDir.resolve("postgresql.log");
        this.asServerUser = asServerUser;
    }

    /** The JVM's test server, created and started on first use. */
    public static synchronized TestPostgres get() {
        if (instance != null) {
            return instance;
        }
        if (startupFailure != null) {
            throw new IllegalStateException("the test PostgreSQL failed to start earlier in this JVM", startupFailure);
        }
        try {
            instance = create(null);
            return instance;
        } catch (RuntimeException e) {
            startupFailure = e;
            throw e;
        }
    }

    /** The JVM's TLS-only test server (see the class comment), created and started on first use. */
    public static synchronized TestPostgres withTls() {
        if (tlsInstance != null) {
            return tlsInstance;
        }
        if (tlsStartupFailure != null) {
            throw new IllegalStateException("the TLS test PostgreSQL failed to start earlier in this JVM", tlsStartupFailure);
        }
        try {
            tlsInstance = create(TestCertificates.get());
            return tlsInstance;
        } catch (RuntimeException e) {
            tlsStartupFailure = e;
            throw e;
        }
    }

    /** The server's major version ({@code 15}), from {@code postgres --version}. */
    public int majorVersion() {
        String out = exec(null, false, bin("postgres"), "--version").orThrow("postgres --version failed").output();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\) (\\d+)").matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("cannot read the version in: " + out);
        }
        return Integer.parseInt(m.group(1));
    }

    public String host() {
        return HOST;
    }

    public int port() {
        return port;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + HOST + ":" + port() + "/" + database;
    }

    /** A direct pgJDBC connection; {@code password} may be null for trusted users. */
    public Connection connect(String database, String user, String password) throws SQLException {
        Properties props = new Properties();
        if (certificates != null) {
            props.setProperty("sslmode", "require");
        }
        props.setProperty("user", user);
        if (password != null) {
            props.setProperty("password", password);
        }
        props.setProperty("connectTimeout", "10");
        return DriverManager.getConnection(jdbcUrl(database), props);
    }

    /** Runs {@code sql} as the superuser on {@value #DATABASE}. */
    public void execute(String sql) {
        execute(DATABASE, sql);
    }

    /** Stops the server ({@code -m fast}) and starts it again on the same port. */
    public synchronized void restart() {
        stop();
        start();
    }

    /** Stops the server with {@code -m fast}: sessions are rolled back and disconnected. */
    public synchronized void stop() {
        pgCtl("stop", "-m", "fast").orThrow("pg_ctl stop failed");
    }

    public synchronized void start() {
        pgCtl("start", "-l", logFile.toString()).orThrow("pg_ctl start failed");
    }

    public synchronized boolean isRunning() {
        return pgCtl("status").exitCode() == 0;
    }

    public Path binDir() {
        return binDir;
    }

    /** The last {@code lines} lines of the server log. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read the server log " + logFile + ": " + e + ")";
        }
    }

    @Override
    public String toString() {
        return "TestPostgres[" + HOST + ":" + port + ", " + dataDir + "]";
    }

    // ---- creation ---------------------------------------------------------------------------

    private static TestPostgres create(TestCertificates certificates) {
        boolean root = runningAsRoot();
        Path binDir = findBinDir();
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        removeOrphans(tmp, binDir, root);
        Path baseDir;
        try {
            baseDir = Files.createTempDirectory(tmp, DIR_PREFIX);
            Files.writeString(baseDir.resolve(OWNER_PID_FILE), Long.toString(ProcessHandle.current().pid()));
            if (root) {
                Files.setOwner(baseDir, serverOsUser());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the test PostgreSQL directory in " + tmp, e);
        }
        TestPostgres pg = new TestPostgres(binDir, baseDir, root, certificates);
        Runtime.getRuntime().addShutdownHook(new Thread(pg::destroy, "pgmux-test-pg-shutdown"));
        pg.initialize();
        return pg;
    }

    private void initialize() {
        runAsServer(bin("initdb"), "-D", dataDir.toString(), "-U", SUPERUSER, "--auth=trust",
                "--encoding=UTF8", "--no-locale", "--no-sync")
                .orThrow("initdb failed");
        writeConfigFile("pg_hba.conf", certificates != null ? """
                # Written by TestPostgres, TLS only over TCP. TYPE DATABASE USER ADDRESS METHOD
                local   all all trust
                hostssl all %1$s 127.0.0.1/32 cert
                hostssl all %2$s 127.0.0.1/32 scram-sha-256
                hostssl all all  127.0.0.1/32 trust
                """.formatted(CERT_USER, SCRAM_USER) : """
                # Written by TestPostgres. TYPE DATABASE USER ADDRESS METHOD
                local all %1$s md5
                host  all %1$s 127.0.0.1/32 md5
                local all %2$s scram-sha-256
                host  all %2$s 127.0.0.1/32 scram-sha-256
                local all %3$s password
                host  all %3$s 127.0.0.1/32 password
                local all +%4$s scram-sha-256
                host  all +%4$s 127.0.0.1/32 scram-sha-256
                local all +%5$s md5
                host  all +%5$s 127.0.0.1/32 md5
                local all all trust
                host  all all 127.0.0.1/32 trust
                local replication all trust
                host  replication all 127.0.0.1/32 trust
                """.formatted(MD5_USER, SCRAM_USER, CLEARTEXT_USER, SCRAM_ROLES, MD5_ROLES));
        try {
            Files.writeString(dataDir.resolve("postgresql.conf"), "\ninclude 'pgmux_test.conf'\n",
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        startOnFreePort();
        execute("postgres", "CREATE DATABASE " + DATABASE + " OWNER " + SUPERUSER);
        execute("postgres", "SET password_encryption = 'md5'; "
                + "CREATE ROLE " + MD5_USER + " LOGIN PASSWORD '" + MD5_PASSWORD + "'; "
                + "SET password_encryption = 'scram-sha-256'; "
                + "CREATE ROLE " + SCRAM_USER + " LOGIN PASSWORD '" + SCRAM_PASSWORD + "'; "
                + "CREATE ROLE " + CLEARTEXT_USER + " LOGIN PASSWORD '" + CLEARTEXT_PASSWORD + "'; "
                + "CREATE ROLE " + CERT_USER + " LOGIN; "
                + "CREATE ROLE " + SCRAM_ROLES + " NOLOGIN; CREATE ROLE " + MD5_ROLES + " NOLOGIN");
        execute(DATABASE, "GRANT ALL ON SCHEMA public TO PUBLIC");
    }

    /** Starts on the configured port, or on a free one, trying another if it was taken meanwhile. */
    private void startOnFreePort() {
        String fixed = System.getenv(PORT_ENV);
        for (int attempt = 1; ; attempt++) {
            port = fixed != null ? Integer.parseInt(fixed.trim()) : freePort();
            writeConfigFile("pgmux_test.conf", """
                    # Written by TestPostgres.
                    listen_addresses = '%s'
                    port = %d
                    unix_socket_directories = '%s'
                    max_connections = 400
                    max_prepared_transactions = 10
                    fsync = off
                    synchronous_commit = off
                    full_page_writes = off
                    wal_level = logical
                    timezone = 'UTC'
                    log_timezone = 'UTC'
                    log_line_prefix = '%%m [%%p] %%q%%u@%%d '
                    """.formatted(HOST, port, dataDir) + tlsSettings());
            Result result = pgCtl("start", "-l", logFile.toString());
            if (result.exitCode() == 0) {
                return;
            }
            if (fixed != null || attempt == START_ATTEMPTS || portIsFree(port)) {
                result.orThrow("pg_ctl start failed (port " + port + ")");
            }
        }
    }

    /** For the TLS cluster: ssl on, with copies of the server certificate and the CA the server user can read. */
    private String tlsSettings() {
        if (certificates == null) {
            return "";
        }
        TestCertificates.Pair server = certificates.server().copyTo(dataDir, "server");
        Path ca = dataDir.resolve("ca.crt");
        try {
            Files.copy(certificates.caFile(), ca, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            if (asServerUser) {
                for (Path file : List.of(server.certFile(), server.keyFile(), ca)) {
                    Files.setOwner(file, serverOsUser());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return """
                ssl = on
                ssl_cert_file = '%s'
                ssl_key_file = '%s'
                ssl_ca_file = '%s'
                """.formatted(server.certFile(), server.keyFile(), ca);
    }

    private void execute(String database, String sql) {
        try (Connection c = connect(database, SUPERUSER, null); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("test PostgreSQL: " + sql + " failed: " + e.getMessage()
                    + "\n--- server log ---\n" + logTail(20), e);
        }
    }

    private void writeConfigFile(String name, String content) {
        Path file = dataDir.resolve(name);
        try {
            Files.writeString(file, content);
            if (asServerUser) {
                Files.setOwner(file, serverOsUser());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private void destroy() {
        pgCtl("stop", "-m", "immediate");
        deleteTree(baseDir);
    }

    private static Path findBinDir() {
        List<Path> candidates = new ArrayList<>();
        try {
            Result pgConfig = exec(null, false, "pg_config", "--bindir");
            if (pgConfig.exitCode() == 0) {
                candidates.add(Path.of(pgConfig.output().trim()));
            }
        } catch (IllegalStateException noPgConfig) {
            // not on PATH: look where Debian puts the servers
        }
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            versions.sorted(Comparator.comparing(TestPostgres::versionOf).reversed())
                    .map(v -> v.resolve("bin"))
                    .forEach(candidates::add);
        } catch (IOException none) {
            // no Debian-style install
        }
        return candidates.stream()
                .filter(dir -> Files.isExecutable(dir.resolve("initdb")) && Files.isExecutable(dir.resolve("pg_ctl")))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no PostgreSQL server binaries (initdb, pg_ctl) in "
                        + candidates + ": install the server (Debian: apt-get install postgresql)"
                        + " or put its pg_config on PATH"));
    }

    /** 15 from /usr/lib/postgresql/15, 9.6 sorted before 10. */
    private static double versionOf(Path dir) {
        try {
            return Double.parseDouble(dir.getFileName().toString());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static int freePort() {
        for (int i = 0; i < 100; i++) {
            int candidate = ThreadLocalRandom.current().nextInt(MIN_PORT, MAX_PORT);
            if (portIsFree(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no free TCP port on " + HOST + " between " + MIN_PORT + " and " + MAX_PORT);
    }

    private static boolean portIsFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Stops the servers and deletes the directories left by test JVMs that are gone (killed before
     * their shutdown hook ran). Best effort: a directory it cannot handle is left alone.
     */
    private static void removeOrphans(Path tmp, Path binDir, boolean root) {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tmp, DIR_PREFIX + "*")) {
            for (Path dir : dirs) {
                Optional<Long> owner = readPid(dir.resolve(OWNER_PID_FILE));
                if (owner.isEmpty() || ProcessHandle.of(owner.get()).isPresent()) {
                    continue;
                }
                TestPostgres orphan = new TestPostgres(binDir, dir, root);
                if (Files.exists(orphan.dataDir.resolve("postmaster.pid"))) {
                    orphan.pgCtl("stop", "-m", "immediate");
                }
                deleteTree(dir);
            }
        } catch (IOException | RuntimeException e) {
            // best effort
        }
    }

    private static Optional<Long> readPid(Path file) {
        try {
            return Optional.of(Long.parseLong(Files.readString(file).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // best effort: it lives in the temp directory
        }
    }

    // ---- running commands -------------------------------------------------------------------

    private record Result(List<String> command, int exitCode, String output, TestPostgres server) {
        Result orThrow(String what) {
            if (exitCode == 0) {
                return this;
            }
            StringBuilder message = new StringBuilder("test PostgreSQL: ").append(what)
                    .append(" (exit ").append(exitCode).append(")\n$ ").append(String.join(" ", command))
                    .append('\n').append(output.strip());
            if (server != null) {
                message.append("\n--- ").append(server.logFile).append(" ---\n").append(server.logTail(40));
            }
            throw new IllegalStateException(message.toString());
        }
    }

    private Result pgCtl(String action, String... options) {
        List<String> command = new ArrayList<>(List.of(bin("pg_ctl"), action, "-D", dataDir.toString(),
                "-w", "-t", Integer.toString(PG_CTL_WAIT_SECONDS)));
        command.addAll(List.of(options));
        return runAsServer(command.toArray(String[]::new));
    }

    private String bin(String program) {
        return binDir.resolve(program).toString();
    }

    /** Runs a server program: as the postgres OS user when the JVM is root. */
    private Result runAsServer(String... command) {
        return exec(this, asServerUser, command);
    }

    /**
     * Runs a command to completion, its output (stdout and stderr) captured through a file so that
     * a daemon it leaves behind cannot hold a pipe open. {@code server} is named in failures.
     */
    private static Result exec(TestPostgres server, boolean asServerUser, String... command) {
        List<String> full = new ArrayList<>();
        if (asServerUser) {
            full.addAll(List.of("runuser", "-u", SERVER_OS_USER, "--"));
        }
        full.addAll(List.of(command));
        Path out = null;
        try {
            out = Files.createTempFile(DIR_PREFIX + "cmd-", ".out");
            ProcessBuilder builder = new ProcessBuilder(full)
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
            if (server != null) {
                // the server user may not be allowed into the JVM's working directory
                builder.directory(server.baseDir.toFile());
            }
            Process process = builder.start();
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Result(full, -1, "timed out after " + COMMAND_TIMEOUT_SECONDS + " s\n"
                        + Files.readString(out), server);
            }
            return new Result(full, process.exitValue(), Files.readString(out), server);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", full) + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", full), e);
        } finally {
            if (out != null) {
                out.toFile().delete();
            }
        }
    }

    private static boolean runningAsRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    private static UserPrincipal serverOsUser() throws IOException {
        return Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(SERVER_OS_USER);
    }
}
