package io.pgmux.proxy.admin;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.ReferenceCountUtil;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.BackendKeyData;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Messages;
import io.pgmux.protocol.message.ParameterStatus;
import io.pgmux.protocol.message.Query;
import io.pgmux.protocol.message.ReadyForQuery;
import io.pgmux.protocol.message.WireMessage;
import io.pgmux.proxy.config.ConfigLoader;
import io.pgmux.proxy.pool.PoolStats;
import io.pgmux.proxy.util.ClientText;
import io.pgmux.proxy.util.PgmuxVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;

/**
 * The admin console of one client connection (database {@code pgbouncer} or {@code pgmux}), on the
 * client's event loop. It speaks the simple query protocol only, one command per Query, as
 * PgBouncer does; extended-protocol messages get a FATAL error.
 *
 * <p>Commands run one at a time in the order sent. One that completes later (PAUSE, WAIT_CLOSE,
 * RELOAD, SHOW of other sessions' state) holds the next ones: the console stops reading from the
 * client until the answer has been written, on this loop.
 */
public final class AdminConsole {
    private static final Logger log = LoggerFactory.getLogger(AdminConsole.class);

    /**
     * Longer text is no command (the longest is a few words and a name): it is refused before the
     * parser, whose patterns need stack in proportion to the doubled quotes in a name.
     */
    static final int MAX_COMMAND_CHARS = 1024;

    private final Channel channel;
    private final String who;
    private final AdminCommands commands;
    /** Counts every Query before it is answered, as PgBouncer does: a SHOW STATS counts itself. */
    private final PoolStats stats;
    private final ArrayDeque<ByteBuf> queued = new ArrayDeque<>();
    private boolean busy;
    private boolean closed;

    private AdminConsole(Channel channel, String who, AdminCommands commands, PoolStats stats) {
        this.channel = channel;
        this.who = who;
        this.commands = commands;
        this.stats = stats;
    }

    /** True for the database names that reach the console: {@code pgbouncer} (as PgBouncer) and {@code pgmux}. */
    public static boolean isConsoleDatabase(String database) {
        return ConfigLoader.RESERVED_DATABASES.contains(database);
    }

    /** The FATAL error for an authenticated user who is neither in admin_users nor in stats_users. */
    public static ErrorResponse notAllowed(String user) {
        return ErrorResponse.fatal(SqlState.INSUFFICIENT_PRIVILEGE, "not allowed: user \"" + ClientText.name(user)
                        + "\" may not use the admin console")
                .withHint("List the user under admin_users (every command) or stats_users (SHOW only) in pgmux's config.");
    }

    /** A console for {@code user}, who has authenticated with {@code role} (an admin or a stats user, see {@link ConsoleRole}). */
    public static AdminConsole open(Control control, Channel channel, long sessionId, String user, String database,
                                    ConsoleRole role) {
        if (!role.admitted()) {
            throw new IllegalArgumentException("no console for role " + role);
        }
        String who = "c" + sessionId + " [" + database + "/" + user + "]";
        log.info("{} admin console login ({})", who, role == ConsoleRole.ADMIN ? "admin" : "stats");
        return new AdminConsole(channel, who, new AdminCommands(control, who, role == ConsoleRole.ADMIN),
                control.consoleStats());
    }

    /** The welcome: PgBouncer's fixed set of server settings, the cancel key, ReadyForQuery. */
    public void start(int processId, int secretKey) {
        write(new ParameterStatus("server_version", PgmuxVersion.current() + "/pgmux"));
        write(new ParameterStatus("client_encoding", "UTF8"));
        write(new ParameterStatus("server_encoding", "UTF8"));
        write(new ParameterStatus("DateStyle", "ISO"));
        write(new ParameterStatus("TimeZone", "GMT"));
        write(new ParameterStatus("standard_conforming_strings", "on"));
        write(new ParameterStatus("is_superuser", "on"));
        write(new BackendKeyData(processId, secretKey));
        write(new ReadyForQuery(TransactionStatus.IDLE));
        channel.flush();
    }

    /** A frame from the client; takes ownership of it. */
    public void onFrame(ByteBuf frame) {
        if (closed) {
            frame.release();
            return;
        }
        if (busy) {
            queued.add(frame);
            channel.config().setAutoRead(false);
            return;
        }
        handle(frame);
    }

    /**
     * The client's socket filled or drained: it is read only while it reads its answers, so a client
     * that sends commands and never reads cannot make pgmux hold their answers without bound.
     */
    public void onWritabilityChanged() {
        if (!closed && !busy) {
            channel.config().setAutoRead(channel.isWritable());
        }
    }

    public void onClosed() {
        closed = true;
        queued.forEach(ReferenceCountUtil::release);
        queued.clear();
    }

    private void handle(ByteBuf frame) {
        String sql;
        try {
            byte type = Frames.type(frame);
            switch (type) {
                case Frontend.QUERY -> {
                    sql = Query.decode(frame).sql();
                    stats.onConsoleCommand();
                }
                case Frontend.TERMINATE -> {
                    closed = true;
                    channel.close();
                    return;
                }
                case Frontend.PARSE, Frontend.BIND, Frontend.DESCRIBE, Frontend.EXECUTE, Frontend.CLOSE, Frontend.SYNC,
                        Frontend.FLUSH -> {
                    fatal(ErrorResponse.fatal(SqlState.FEATURE_NOT_SUPPORTED,
                            "extended query protocol not supported by the admin console")
                            .withHint("Use the simple query protocol (psql does); a driver may need preferQueryMode=simple."));
                    return;
                }
                default -> {
                    fatal(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "unsupported message type for the admin console: "
                            + Frames.describeType(type)));
                    return;
                }
            }
        } catch (ProtocolException e) {
            fatal(ErrorResponse.fatal(e.sqlState(), e.getMessage()));
            return;
        } finally {
            frame.release();
        }
        run(sql);
    }

    private void run(String sql) {
        if (sql.isBlank()) {
            channel.write(Messages.emptyQueryResponse(), channel.voidPromise());
            finish(List.of(), null);
            return;
        }
        CompletableFuture<List<WireMessage>> answer = execute(sql);
        if (answer.isDone()) {
            complete(answer);
            return;
        }
        busy = true;
        answer.whenComplete((messages, error) -> {
            try {
                channel.eventLoop().execute(() -> complete(answer));
            } catch (RejectedExecutionException stopping) {
                // the loop is shutting down: nobody is left to answer
            }
        });
    }

    private CompletableFuture<List<WireMessage>> execute(String sql) {
        try {
            if (sql.length() > MAX_COMMAND_CHARS) {
                throw new AdminException(SqlState.SYNTAX_ERROR, "invalid command '" + ClientText.text(sql.strip())
                        + "', use SHOW HELP;");
            }
            return AdminCommand.parse(sql)
                    .map(commands::execute)
                    .orElseThrow(() -> new AdminException(SqlState.SYNTAX_ERROR, "invalid command '"
                            + ClientText.text(sql.strip()) + "', use SHOW HELP;"));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void complete(CompletableFuture<List<WireMessage>> answer) {
        try {
            finish(answer.join(), null);
        } catch (CompletionException e) {
            finish(List.of(), e.getCause());
        } catch (RuntimeException e) {
            finish(List.of(), e);
        }
    }

    private void finish(List<WireMessage> messages, Throwable error) {
        busy = false;
        if (closed) {
            return;
        }
        if (error == null) {
            messages.forEach(this::write);
        } else if (error instanceof AdminException adminError) {
            log.info("{} {}", who, adminError.getMessage());
            write(adminError.error());
        } else {
            log.error("{} admin command failed", who, error);
            write(ErrorResponse.error(SqlState.INTERNAL_ERROR, "admin command failed: " + error));
        }
        write(new ReadyForQuery(TransactionStatus.IDLE));
        channel.flush();
        while (!busy && !closed && !queued.isEmpty()) {
            handle(queued.poll());
        }
        if (!busy && !closed && channel.isWritable()) {
            channel.config().setAutoRead(true);
        }
    }

    private void write(WireMessage message) {
        channel.write(message.encode(channel.alloc()), channel.voidPromise());
    }

    private void fatal(ErrorResponse error) {
        closed = true;
        queued.forEach(ReferenceCountUtil::release);
        queued.clear();
        channel.writeAndFlush(error.encode(channel.alloc())).addListener(ChannelFutureListener.CLOSE);
    }
}
