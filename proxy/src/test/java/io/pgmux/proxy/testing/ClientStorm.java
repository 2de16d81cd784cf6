package io.pgmux.proxy.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.message.DataRow;
import io.pgmux.protocol.message.AuthenticationRequest;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.PasswordMessage;
import io.pgmux.protocol.message.Messages;
import io.pgmux.protocol.message.Query;
import io.pgmux.protocol.message.StartupMessage;
import io.pgmux.proxy.net.Transport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Thousands of byte-level clients connecting as fast as pgmux takes them (see
 * {@link #UNANSWERED_WINDOW}), on two event-loop threads of a child JVM: a test JVM running pgmux
 * in-process would otherwise need a file descriptor for each end of every connection (20,000 for a
 * storm of 10,000, the open-file limit of many machines).
 *
 * <p>The test side: {@link #start} launches the child, {@link #awaitLogins} waits until every
 * client got ReadyForQuery or failed, {@link #query} runs a query on some of them, {@link #close}
 * disconnects them all and ends the child. The child side is {@link #main}: it prints one result
 * line per step on stdout and takes its next step from a line on stdin.
 *
 * <pre>
 * try (ClientStorm storm = ClientStorm.start(host, port, 10_000, database, user, Map.of())) {
 *     ClientStorm.Result logins = storm.awaitLogins();
 *     ClientStorm.Result queries = storm.query(100);
 * }
 * </pre>
 */
public final class ClientStorm implements AutoCloseable {
    /** The longest a login may take in the child, counted from the first connect. */
    private static final long LOGIN_DEADLINE_SECONDS = 90;
    private static final long QUERY_DEADLINE_SECONDS = 30;
    /**
     * Clients connecting that pgmux has not answered yet, at most: the rest connect as soon as
     * earlier ones are answered, so they arrive as fast as pgmux takes them. Kept below the
     * listen backlog (4096): beyond it the kernel, not pgmux, drops and later resets connections
     * (when it cannot accept within seconds, as under the tests' paranoid leak detection).
     */
    private static final int UNANSWERED_WINDOW = 1_000;
    /**
     * A setting of this name is not sent: it is the password each client gives when asked for a
     * cleartext one ({@code client_auth: password}).
     */
    public static final String PASSWORD = "pgmux.storm.password";

    /** What one step gave: clients that succeeded, failed, and the milliseconds until the last one finished. */
    public record Result(int ok, int failed, long millis, String firstFailure) {
        static Result parse(String line) {
            String[] parts = line.split(" ", 5);
            return new Result(Integer.parseInt(parts[1]), Integer.parseInt(parts[2]), Long.parseLong(parts[3]),
                    parts.length > 4 ? parts[4] : "");
        }

        String format(String step) {
            return step + " " + ok + " " + failed + " " + millis + (firstFailure.isEmpty() ? "" : " " + firstFailure);
        }
    }

    private final Process process;
    private final Writer commands;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuffer output = new StringBuffer();

    private ClientStorm(Process process) {
        this.process = process;
        this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(this::readOutput, "client-storm-output");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts a child JVM that opens {@code count} connections to {@code host:port} at once, each
     * sending a startup packet with {@code user}, {@code database} and {@code settings} (a value's
     * {@code %d} becomes the client's number, from 0).
     */
    public static ClientStorm start(String host, int port, int count, String database, String user,
                                    Map<String, String> settings) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), ClientStorm.class.getName(),
                host, Integer.toString(port), Integer.toString(count), database, user));
        settings.forEach((name, value) -> command.add(name + "=" + value));
        return new ClientStorm(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    /** Waits until every client is logged in or failed (or the child's deadline passed: those count as failed). */
    public Result awaitLogins() throws InterruptedException {
        return Result.parse(awaitLine("LOGINS", LOGIN_DEADLINE_SECONDS + 30));
    }

    /**
     * Sends, on every {@code every}-th logged-in client {@code i}, {@code SELECT i, current_setting('application_name')},
     * and checks the row: its own number and its own application_name (empty if it set none).
     */
    public Result query(int every) throws IOException, InterruptedException {
        command("QUERY " + every);
        return Result.parse(awaitLine("QUERIES", QUERY_DEADLINE_SECONDS + 30));
    }

    /** Disconnects every client (Terminate, then close) and waits for the child to exit. */
    @Override
    public void close() throws IOException, InterruptedException {
        try {
            if (process.isAlive()) {
                command("CLOSE");
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    throw new AssertionError("the client storm did not exit within 30 s:\n" + output);
                }
            }
        } finally {
            process.destroyForcibly();
        }
    }

    /** Everything the child printed so far (result lines, and its stack trace if it failed). */
    public String output() {
        return output.toString();
    }

    private void command(String line) throws IOException {
        commands.write(line + "\n");
        commands.flush();
    }

    private String awaitLine(String step, long timeoutSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (true) {
            String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError("no " + step + " line from the client storm within " + timeoutSeconds + " s:\n" + output);
            }
            if (line.startsWith(step + " ")) {
                return line;
            }
        }
    }

    private void readOutput() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                output.append(line).append('\n');
                lines.add(line);
            }
        } catch (IOException e) {
            output.append("(reading the client storm's output failed: ").append(e).append(")\n");
        }
    }

    // ---------------------------------------------------------------- the child process

    /** Arguments: host port count database user [name=value ...]. */
    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int count = Integer.parseInt(args[2]);
        Map<String, String> base = new LinkedHashMap<>();
        base.put("user", args[4]);
        base.put("database", args[3]);
        Map<String, String> settings = new LinkedHashMap<>();
        for (int i = 5; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            settings.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        PrintStream out = System.out;
        EventLoopGroup group = Transport.best().newGroup(2, "storm");
        try {
            Storm storm = new Storm(group, host, port, count, base, settings);
            out.println(storm.login().format("LOGINS"));
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null && !line.equals("CLOSE"); line = in.readLine()) {
                if (line.startsWith("QUERY ")) {
                    out.println(storm.query(Integer.parseInt(line.substring(6))).format("QUERIES"));
                }
            }
            storm.close();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        }
    }

    /** The child's clients. */
    private static final class Storm {
        private final List<StormClient> clients = new ArrayList<>();
        private final AtomicReference<String> firstFailure = new AtomicReference<>();
        private final long startedNanos = System.nanoTime();
        private final AtomicLong lastLoginNanos = new AtomicLong(startedNanos);
        private final AtomicInteger nextToConnect = new AtomicInteger();
        private final CountDownLatch loggedIn;
        private final Bootstrap bootstrap;

        Storm(EventLoopGroup group, String host, int port, int count, Map<String, String> base, Map<String, String> settings) {
            loggedIn = new CountDownLatch(count);
            bootstrap = new Bootstrap()
                    .group(group)
                    .channel(Transport.best().socketChannelClass())
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) TimeUnit.SECONDS.toMillis(LOGIN_DEADLINE_SECONDS))
                    .remoteAddress(host, port);
            for (int i = 0; i < count; i++) {
                Map<String, String> parameters = new LinkedHashMap<>(base);
                int number = i;
                settings.forEach((name, value) -> parameters.put(name, value.replace("%d", Integer.toString(number))));
                clients.add(new StormClient(i, parameters, this));
            }
            for (int i = 0; i < Math.min(count, UNANSWERED_WINDOW); i++) {
                connectNext();
            }
        }

        /** Opens the next client's connection, if any is left. */
        void connectNext() {
            int next = nextToConnect.getAndIncrement();
            if (next >= clients.size()) {
                return;
            }
            StormClient client = clients.get(next);
            bootstrap.clone().handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(1 << 20, 1, 4, -4, 0), client);
                }
            }).connect().addListener((ChannelFutureListener) future -> {
                if (!future.isSuccess()) {
                    client.fail("connect failed: " + future.cause());
                }
            });
        }

        Result login() throws InterruptedException {
            loggedIn.await(LOGIN_DEADLINE_SECONDS, TimeUnit.SECONDS);
            long millis = TimeUnit.NANOSECONDS.toMillis(lastLoginNanos.get() - startedNanos);
            int ready = (int) clients.stream().filter(c -> c.phase == Phase.READY).count();
            return new Result(ready, clients.size() - ready, millis, failure());
        }

        Result query(int every) throws InterruptedException {
            List<StormClient> chosen = new ArrayList<>();
            for (int i = 0; i < clients.size(); i += every) {
                if (clients.get(i).phase == Phase.READY) {
                    chosen.add(clients.get(i));
                }
            }
            CountDownLatch answered = new CountDownLatch(chosen.size());
            long started = System.nanoTime();
            chosen.forEach(client -> client.query(answered));
            answered.await(QUERY_DEADLINE_SECONDS, TimeUnit.SECONDS);
            int ok = (int) chosen.stream().filter(c -> c.queryOk).count();
            return new Result(ok, clients.size() / every + (clients.size() % every == 0 ? 0 : 1) - ok,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), failure());
        }

        void close() throws InterruptedException {
            for (StormClient client : clients) {
                Channel channel = client.channel;
                if (channel != null && channel.isActive()) {
                    channel.writeAndFlush(Messages.terminate()).addListener(ChannelFutureListener.CLOSE);
                }
            }
            for (StormClient client : clients) {
                if (client.channel != null) {
                    client.channel.closeFuture().await(10, TimeUnit.SECONDS);
                }
            }
        }

        /** A client finished its login, either way. */
        void loginDone() {
            lastLoginNanos.accumulateAndGet(System.nanoTime(), Math::max);
            loggedIn.countDown();
        }

        void failed(int client, String why) {
            firstFailure.compareAndSet(null, "client " + client + ": " + why);
        }

        private String failure() {
            String failure = firstFailure.get();
            return failure == null ? "" : failure.replace('\n', ' ');
        }
    }

    private enum Phase { LOGIN, READY, FAILED }

    /** One connection: logs in, then answers at most one query at a time. */
    private static final class StormClient extends SimpleChannelInboundHandler<ByteBuf> {
        private final int number;
        private final Map<String, String> parameters;
        private final Storm storm;
        volatile Channel channel;
        volatile Phase phase = Phase.LOGIN;
        volatile boolean queryOk;
        private boolean answeredOnce;
        private CountDownLatch answered;
        private List<String> row;

        StormClient(int number, Map<String, String> parameters, Storm storm) {
            this.number = number;
            this.parameters = parameters;
            this.storm = storm;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            Map<String, String> startup = new LinkedHashMap<>(parameters);
            startup.remove(PASSWORD);
            ctx.writeAndFlush(new StartupMessage(Frontend.PROTOCOL_3_0, startup).encode(ctx.alloc()));
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            if (!answeredOnce) {
                answeredOnce = true;
                storm.connectNext();
            }
            byte type = Frames.type(frame);
            if (type == Backend.ERROR_RESPONSE) {
                fail(ErrorResponse.decode(frame).toString());
            } else if (type == Backend.AUTHENTICATION && phase == Phase.LOGIN
                    && AuthenticationRequest.decode(frame).code() == Backend.AUTH_CLEARTEXT_PASSWORD) {
                ctx.writeAndFlush(new PasswordMessage(parameters.getOrDefault(PASSWORD, "")).encode(ctx.alloc()));
            } else if (type == Backend.READY_FOR_QUERY && phase == Phase.LOGIN) {
                phase = Phase.READY;
                storm.loginDone();
            } else if (type == Backend.DATA_ROW && answered != null) {
                row = DataRow.decode(frame).values();
            } else if (type == Backend.READY_FOR_QUERY && answered != null) {
                String expected = parameters.getOrDefault("application_name", "");
                queryOk = row != null && row.equals(List.of(Integer.toString(number), expected));
                if (!queryOk) {
                    storm.failed(number, "expected row [" + number + ", " + expected + "], got " + row);
                }
                CountDownLatch latch = answered;
                answered = null;
                latch.countDown();
            }
        }

        void query(CountDownLatch answered) {
            channel.eventLoop().execute(() -> {
                this.answered = answered;
                channel.writeAndFlush(new Query("SELECT " + number + ", current_setting('application_name')").encode(channel.alloc()));
            });
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (phase == Phase.LOGIN || answered != null) {
                fail("connection closed");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause.toString());
            ctx.close();
        }

        void fail(String why) {
            storm.failed(number, why);
            Phase was = phase;
            phase = Phase.FAILED;
            if (was == Phase.LOGIN) {
                storm.loginDone();
                if (!answeredOnce) {
                    answeredOnce = true;
                    storm.connectNext();
                }
            }
            if (answered != null) {
                CountDownLatch latch = answered;
                answered = null;
                latch.countDown();
            }
        }
    }
}
