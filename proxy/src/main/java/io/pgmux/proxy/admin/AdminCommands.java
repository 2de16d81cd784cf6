package io.pgmux.proxy.admin;

import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.CommandComplete;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.WireMessage;
import io.pgmux.proxy.client.ClientInfo;
import io.pgmux.proxy.client.ClientSession;
import io.pgmux.proxy.config.OnlineSettings;
import io.pgmux.proxy.pool.Pool;
import io.pgmux.proxy.util.ClientText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * Carries out console commands for one console session. Every command answers with a future of the
 * messages to send (without the ReadyForQuery): SHOW commands that need other sessions' state,
 * PAUSE, WAIT_CLOSE and RELOAD complete later, on whatever thread finished the work; the console
 * takes the answer back to its own loop.
 */
final class AdminCommands {
    private static final Logger log = LoggerFactory.getLogger(AdminCommands.class);
    private static final Set<String> FAKE_SETTINGS = Set.of("client_encoding", "default_transaction_isolation",
            "standard_conforming_strings", "datestyle", "timezone", "application_name", "extra_float_digits");
    static final String HELP = """
            
            \tSHOW HELP|CONFIG|DATABASES|POOLS|CLIENTS|SERVERS|USERS|VERSION
            \tSHOW PEERS|PEER_POOLS
            \tSHOW LISTS
            \tSHOW STATS|STATS_TOTALS|STATS_AVERAGES|TOTALS
            \tSHOW MEM|STATE|SOCKETS|ACTIVE_SOCKETS|DNS_HOSTS|DNS_ZONES
            \tSHOW LATENCY|PREPARED_STATEMENTS
            \tSET key = arg
            \tRELOAD
            \tPAUSE [<db>]
            \tRESUME [<db>]
            \tDISABLE <db>
            \tENABLE <db>
            \tSUSPEND
            \tRECONNECT [<db>]
            \tKILL [<db>]
            \tKILL_CLIENT <client_id>
            \tWAIT_CLOSE [<db>]
            \tSHUTDOWN
            \tSHUTDOWN WAIT_FOR_SERVERS|WAIT_FOR_CLIENTS""";

    private final Control control;
    private final String who;
    private final boolean admin;

    AdminCommands(Control control, String who, boolean admin) {
        this.control = control;
        this.who = who;
        this.admin = admin;
    }

    CompletableFuture<List<WireMessage>> execute(AdminCommand command) {
        String arg = command.argument();
        switch (command.verb()) {
            case "show":
                return show(command);
            case "set":
                return set(command);
            case "pause":
                return pause(arg);
            case "resume":
                return done(resume(arg), "RESUME");
            case "suspend":
                return suspend(arg);
            case "disable":
                return done(setDisabled(arg, true), "DISABLE");
            case "enable":
                return done(setDisabled(arg, false), "ENABLE");
            case "reconnect":
                return done(reconnect(arg), "RECONNECT");
            case "kill":
                return doneWhen(kill(arg), "KILL");
            case "kill_client":
                return doneWhen(killClient(arg), "KILL_CLIENT");
            case "wait_close":
                return waitClose(arg);
            case "reload":
                return reload(arg);
            case "shutdown":
                return shutdown(command);
            default:
                throw unknown(command);
        }
    }

    // ---------------------------------------------------------------- SHOW

    private CompletableFuture<List<WireMessage>> show(AdminCommand command) {
        String subject = command.subject();
        ResultTable fake = Shows.fakeSetting(subject);
        if (fake != null) {
            return now(fake.messages());
        }
        return switch (subject) {
            case "help" -> now(List.of(new Notice(ErrorResponse.of(ErrorResponse.NOTICE, SqlState.SUCCESSFUL_COMPLETION,
                    "Console usage").withDetail(HELP)), new CommandComplete("SHOW")));
            case "pools" -> now(Shows.pools(control).messages());
            case "stats" -> now(Shows.stats(control).messages());
            case "stats_totals" -> now(Shows.statsTotals(control).messages());
            case "stats_averages" -> now(Shows.statsAverages(control).messages());
            case "databases" -> now(Shows.databases(control).messages());
            case "config" -> now(Shows.config(control).messages());
            case "version" -> now(Shows.version().messages());
            case "latency" -> now(Shows.latency(control).messages());
            case "clients" -> withClients(clients -> Shows.clients(clients));
            case "servers" -> withClients(clients -> Shows.servers(control, clients));
            case "users" -> now(Shows.users(control).messages());
            case "lists" -> withClients(clients -> Shows.lists(control, clients));
            case "prepared_statements" -> now(Shows.preparedStatements(control).messages());
            case "totals" -> now(Shows.totals(control).messages());
            case "state" -> now(ProcessShows.state(control).messages());
            case "mem" -> withClients(clients -> ProcessShows.mem(control, clients));
            case "sockets" -> withClients(clients -> Shows.sockets(control, clients, false));
            case "active_sockets" -> withClients(clients -> Shows.sockets(control, clients, true));
            case "dns_hosts" -> now(ProcessShows.dnsHosts(control).messages());
            case "dns_zones" -> now(ProcessShows.dnsZones().messages());
            case "peers" -> now(Shows.peers(control).messages());
            case "peer_pools" -> now(Shows.peerPools(control).messages());
            default -> throw unknown(command);
        };
    }

    private CompletableFuture<List<WireMessage>> withClients(Function<List<ClientInfo>, ResultTable> show) {
        return Sessions.describeAll(control.sessions()).thenApply(clients -> show.apply(clients).messages());
    }

    private CompletableFuture<List<WireMessage>> set(AdminCommand command) {
        if (FAKE_SETTINGS.contains(command.subject())) {
            return now(List.of(Notice.of("SET ignored"), new CommandComplete("SET")));
        }
        requireAdmin();
        String key = command.argument();
        log.info("{} SET {} = '{}' command issued", who, ClientText.name(key), ClientText.text(command.value()));
        return control.set(key, command.value()).handle((result, error) -> {
            if (error != null) {
                throw refusedSet(key, error);
            }
            List<WireMessage> messages = new ArrayList<>();
            result.notices().forEach(notice -> messages.add(Notice.of(notice)));
            messages.add(new CommandComplete("SET"));
            return messages;
        });
    }

    /** The error for a refused SET: Postgres's SQLSTATE for the same refusal of its own SET. */
    private static AdminException refusedSet(String key, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (!(cause instanceof OnlineSettings.RefusedException refused)) {
            return new AdminException(SqlState.INTERNAL_ERROR, "SET " + ClientText.name(key) + " failed: " + cause);
        }
        String sqlState = switch (refused.refusal()) {
            case UNKNOWN_KEY -> SqlState.UNDEFINED_OBJECT;
            case NOT_CHANGEABLE -> SqlState.CANT_CHANGE_RUNTIME_PARAM;
            case INVALID_VALUE -> SqlState.INVALID_PARAMETER_VALUE;
        };
        ErrorResponse response = ErrorResponse.error(sqlState, "SET failed: " + ClientText.text(refused.getMessage()));
        if (refused.refusal() == OnlineSettings.Refusal.UNKNOWN_KEY) {
            response = response.withHint("SHOW CONFIG lists the settings; those with changeable = yes can be SET.");
        }
        return new AdminException(response);
    }

    // ---------------------------------------------------------------- pools

    private CompletableFuture<List<WireMessage>> pause(String database) {
        requireAdmin();
        if (control.isShuttingDown()) {
            throw new AdminException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "pgmux is shutting down");
        }
        requireNotSuspended();
        CompletableFuture<Void> drained;
        if (database == null) {
            log.info("{} PAUSE command issued", who);
            drained = control.pools().pauseAll();
        } else {
            requireDatabase(database, "pause");
            log.info("{} PAUSE '{}' command issued", who, database);
            drained = control.pools().pause(database);
        }
        return drained.handle((ignored, error) -> {
            if (error != null) {
                throw new AdminException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "PAUSE did not finish: "
                        + rootMessage(error));
            }
            log.info("{} PAUSE done: no server connections left{}", who, database == null ? "" : " for " + database);
            return List.of(new CommandComplete("PAUSE"));
        });
    }

    private boolean resume(String database) {
        requireAdmin();
        if (control.isShuttingDown()) {
            throw new AdminException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "pgmux is shutting down");
        }
        if (database == null) {
            log.info("{} RESUME command issued", who);
            boolean wasSuspended = control.resumeFromSuspend();
            if (!control.pools().resumeAll() && !wasSuspended) {
                throw new AdminException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "pgmux is not paused or suspended");
            }
        } else {
            requireDatabase(database, "resume");
            log.info("{} RESUME '{}' command issued", who, database);
            if (!control.pools().resume(database)) {
                throw new AdminException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "database " + database
                        + " is not paused" + (control.pools().isPaused(database) ? " by name (pgmux is paused as a whole:"
                        + " RESUME without a database)" : ""));
            }
        }
        return true;
    }

    /** SUSPEND: see {@link Control#suspend()}; answers when every buffer is flushed. */
    private CompletableFuture<List<WireMessage>> suspend(String arg) {
        if (arg != null) {
            throw new AdminException(SqlState.SYNTAX_ERROR, "SUSPEND takes no argument");
        }
        requireAdmin();
        if (control.isShuttingDown()) {
            throw new AdminException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "pgmux is shutting down");
        }
        requireNotSuspended();
        if (control.pools().isAnythingPaused()) {
            throw new AdminException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "cannot suspend with paused databases"
                    + " (RESUME them first)");
        }
        log.info("{} SUSPEND command issued", who);
        return control.suspend().handle((ignored, error) -> {
            if (error != null) {
                throw new AdminException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "SUSPEND did not finish: "
                        + rootMessage(error));
            }
            log.info("{} SUSPEND done: clients are not read, every buffer is flushed; RESUME ends it", who);
            return List.of(new CommandComplete("SUSPEND"));
        });
    }

    /** DISABLE db ({@code disabled}) or ENABLE db: new logins to it are refused, or accepted again; its clients go on. */
    private boolean setDisabled(String database, boolean disabled) {
        String verb = disabled ? "DISABLE" : "ENABLE";
        requireAdmin();
        requireNamedDatabase(database, verb.toLowerCase(Locale.ROOT));
        log.info("{} {} '{}' command issued", who, verb, database);
        if (disabled) {
            control.pools().disable(database);
        } else {
            control.pools().enable(database);
        }
        return true;
    }

    private boolean reconnect(String database) {
        requireAdmin();
        List<Pool> pools;
        if (database == null) {
            log.info("{} RECONNECT command issued", who);
            pools = List.copyOf(control.pools().all());
        } else {
            requireDatabase(database, "reconnect");
            log.info("{} RECONNECT '{}' command issued", who, database);
            pools = control.pools().ofDatabase(database);
        }
        pools.forEach(Pool::reconnect);
        return true;
    }

    /** Answered once every killed session has sent its FATAL error, so a SHOW CLIENTS after it no longer lists them. */
    private CompletableFuture<Void> kill(String database) {
        requireAdmin();
        requireNotSuspended();
        ErrorResponse reason;
        if (database == null) {
            log.info("{} KILL command issued", who);
            control.pools().killAll();
            reason = ErrorResponse.fatal(SqlState.ADMIN_SHUTDOWN, "connection killed by an admin (KILL)");
        } else {
            requireDatabase(database, "kill");
            log.info("{} KILL '{}' command issued", who, database);
            control.pools().kill(database);
            reason = ErrorResponse.fatal(SqlState.ADMIN_SHUTDOWN, "database \"" + database
                    + "\" was killed by an admin (KILL); it is paused until RESUME");
        }
        return Sessions.forEach(control.sessions(), session -> {
            Pool pool = session.pool();
            if (pool != null && (database == null || pool.key().database().equals(database))) {
                session.kill(reason);
            }
        });
    }

    private CompletableFuture<Void> killClient(String id) {
        requireAdmin();
        long clientId;
        try {
            clientId = Long.parseLong(id == null ? "" : id);
        } catch (NumberFormatException e) {
            // PgBouncer's words and SQLSTATE (admin_error: 08P01), which its tests match
            throw new AdminException(SqlState.PROTOCOL_VIOLATION,
                    "invalid client pointer supplied: KILL_CLIENT needs a client id (the id column of SHOW CLIENTS)");
        }
        ClientSession session = control.sessions().byId(clientId);
        if (session == null) {
            throw new AdminException(SqlState.PROTOCOL_VIOLATION, "client not found: " + clientId);
        }
        log.info("{} KILL_CLIENT {} command issued", who, clientId);
        return Sessions.onLoop(session, () -> session.kill(ErrorResponse.fatal(SqlState.ADMIN_SHUTDOWN,
                "connection killed by an admin (KILL_CLIENT " + clientId + ")")));
    }

    private CompletableFuture<List<WireMessage>> waitClose(String database) {
        requireAdmin();
        List<Pool> pools;
        if (database == null) {
            log.info("{} WAIT_CLOSE command issued", who);
            pools = List.copyOf(control.pools().all());
        } else {
            requireDatabase(database, "wait in");
            log.info("{} WAIT_CLOSE '{}' command issued", who, database);
            pools = control.pools().ofDatabase(database);
        }
        return CompletableFuture.allOf(pools.stream().map(Pool::waitClose).toArray(CompletableFuture[]::new))
                .handle((ignored, error) -> {
                    if (error != null) {
                        throw new AdminException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "WAIT_CLOSE did not finish: "
                                + rootMessage(error));
                    }
                    return List.of(new CommandComplete("WAIT_CLOSE"));
                });
    }

    // ---------------------------------------------------------------- process

    private CompletableFuture<List<WireMessage>> reload(String arg) {
        if (arg != null) {
            throw new AdminException(SqlState.SYNTAX_ERROR, "RELOAD takes no argument");
        }
        requireAdmin();
        log.info("{} RELOAD command issued", who);
        return control.reload().thenApply(result -> {
            if (!result.ok()) {
                ErrorResponse error = ErrorResponse.error(SqlState.CONFIG_FILE_ERROR,
                        "RELOAD failed, see logs for additional details (the config in effect is unchanged): "
                                + result.errors().get(0));
                throw new AdminException(result.errors().size() == 1 ? error
                        : error.withDetail("every problem:\n" + String.join("\n", result.errors())));
            }
            List<WireMessage> messages = new ArrayList<>();
            result.notices().forEach(notice -> messages.add(Notice.of(notice)));
            messages.add(new CommandComplete("RELOAD"));
            return messages;
        });
    }

    private CompletableFuture<List<WireMessage>> shutdown(AdminCommand command) {
        String mode = command.subject();
        if (!mode.isEmpty() && !mode.equals("wait_for_clients") && !mode.equals("wait_for_servers")) {
            throw unknown(command);
        }
        requireAdmin();
        log.info("{} SHUTDOWN{} command issued", who, mode.isEmpty() ? "" : " " + mode.toUpperCase());
        return now(List.of(new CommandComplete("SHUTDOWN"))).thenApply(messages -> {
            control.shutdown(mode.equals("wait_for_clients"));
            return messages;
        });
    }

    // ---------------------------------------------------------------- helpers

    private void requireAdmin() {
        if (!admin) {
            throw new AdminException(SqlState.INSUFFICIENT_PRIVILEGE, "admin access needed: stats_users may only run SHOW"
                    + " commands");
        }
    }

    private void requireDatabase(String database, String verb) {
        if (AdminConsole.isConsoleDatabase(database)) {
            throw new AdminException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "cannot " + verb + " admin db: " + database);
        }
        if (!control.pools().isKnown(database)) {
            // PgBouncer's SQLSTATE for its console's errors, which its users' scripts match
            throw new AdminException(ErrorResponse.error(SqlState.PROTOCOL_VIOLATION, "no such database: "
                    + ClientText.name(database))
                    .withHint("Databases are those listed under \"databases\" and, with \"upstream\", those clients"
                            + " are using now (SHOW DATABASES)."));
        }
    }

    /** DISABLE and ENABLE name a database, as in PgBouncer. */
    private void requireNamedDatabase(String database, String verb) {
        if (database == null) {
            throw new AdminException(SqlState.SYNTAX_ERROR, "a database is required: " + verb.toUpperCase() + " <db>");
        }
        requireDatabase(database, verb);
    }

    private void requireNotSuspended() {
        if (control.isSuspended()) {
            throw new AdminException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "pgmux is suspended (RESUME first)");
        }
    }

    private static AdminException unknown(AdminCommand command) {
        String text = command.verb().toUpperCase() + (command.argument() == null ? "" : " " + command.argument());
        return new AdminException(SqlState.SYNTAX_ERROR, "invalid command '" + ClientText.text(text) + "', use SHOW HELP;");
    }

    private static CompletableFuture<List<WireMessage>> done(boolean ignored, String tag) {
        return now(List.of(new CommandComplete(tag)));
    }

    private static CompletableFuture<List<WireMessage>> doneWhen(CompletableFuture<Void> finished, String tag) {
        return finished.thenApply(ignored -> List.of(new CommandComplete(tag)));
    }

    private static CompletableFuture<List<WireMessage>> now(List<WireMessage> messages) {
        return CompletableFuture.completedFuture(messages);
    }

    private static String rootMessage(Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage();
    }
}
