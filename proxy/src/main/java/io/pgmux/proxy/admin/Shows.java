package io.pgmux.proxy.admin;

import io.netty.channel.unix.DomainSocketAddress;
import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.client.ClientInfo;
import io.pgmux.proxy.client.SessionRegistry;
import io.pgmux.proxy.config.ConfigLoader;
import io.pgmux.proxy.config.ConfigView;
import io.pgmux.proxy.config.DatabaseConfig;
import io.pgmux.proxy.config.DatabaseLimits;
import io.pgmux.proxy.config.PgmuxConfig;
import io.pgmux.proxy.config.ServerHosts;
import io.pgmux.proxy.config.UserConfig;
import io.pgmux.proxy.config.UserSettings;
import io.pgmux.proxy.net.UnsentBytes;
import io.pgmux.proxy.peer.Peer;
import io.pgmux.proxy.peer.PeerBudget;
import io.pgmux.proxy.peer.PeerCancels;
import io.pgmux.proxy.peer.PeerView;
import io.pgmux.proxy.pool.LatencyWindow;
import io.pgmux.proxy.pool.Pool;
import io.pgmux.proxy.pool.PoolCounts;
import io.pgmux.proxy.pool.PoolStats;
import io.pgmux.proxy.pool.ServerPhase;
import io.pgmux.proxy.pool.ServerState;
import io.pgmux.proxy.prepared.PreparedStatement;
import io.pgmux.proxy.util.PgmuxVersion;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The SHOW commands: PgBouncer 1.25's columns, in its order and with its types (see its
 * {@code admin.c} and {@code stats.c}), filled from pgmux's pools and sessions. Columns for
 * features pgmux does not have (cancel queues, reserve pools, TLS, DNS cache) are 0, empty
 * or NULL, as PgBouncer shows them when unused.
 */
final class Shows {
    private static final String SOCKET_TYPES = "ssssssisiTTiiississii";
    private static final String[] SOCKET_COLUMNS = {"type", "user", "database", "replication", "state", "addr", "port",
        "local_addr", "local_port", "connect_time", "request_time", "wait", "wait_us", "close_needed", "ptr", "link",
        "remote_pid", "tls", "application_name", "prepared_statements", "id"};
    /** SHOW SOCKETS adds PgBouncer's debug columns. */
    private static final String[] SOCKET_DEBUG_COLUMNS = Stream.concat(Arrays.stream(SOCKET_COLUMNS),
            Stream.of("recv_pos", "pkt_pos", "pkt_remain", "send_pos", "send_remain", "pkt_avail", "send_avail"))
            .toArray(String[]::new);
    /** SHOW CLIENTS adds pgmux's own last: the session features that pin the client to its server. */
    private static final String CLIENT_TYPES = SOCKET_TYPES + "ss";
    private static final String[] CLIENT_COLUMNS = Arrays.copyOf(SOCKET_COLUMNS, SOCKET_COLUMNS.length + 2);

    static {
        CLIENT_COLUMNS[SOCKET_COLUMNS.length] = "pinned";
        CLIENT_COLUMNS[SOCKET_COLUMNS.length + 1] = "auth";
    }

    private Shows() {
    }

    static ResultTable pools(Control control) {
        ResultTable table = ResultTable.of("ssiiiiiiiiiiiiissi", "database", "user", "cl_active", "cl_waiting",
                "cl_active_cancel_req", "cl_waiting_cancel_req", "sv_active", "sv_active_cancel", "sv_being_canceled",
                "sv_idle", "sv_used", "sv_tested", "sv_login", "maxwait", "maxwait_us", "pool_mode", "load_balance_hosts",
                "sv_pinned");
        for (Pool pool : sortedPools(control)) {
            PoolCounts c = pool.counts();
            long waitMicros = c.oldestWaitNanos() / 1000;
            table.row(pool.key().database(), pool.key().user(), c.clients() - c.waiting(), c.waiting(), 0, 0,
                    c.activeServers(), 0, 0, c.idleServers(), 0, 0, c.connectingServers(),
                    waitMicros / 1_000_000, waitMicros % 1_000_000, pool.settings().mode().yamlName(), null,
                    pool.pinnedServers().count());
        }
        return table;
    }

    static ResultTable clients(List<ClientInfo> clients) {
        ResultTable table = ResultTable.of(CLIENT_TYPES, CLIENT_COLUMNS);
        long now = System.currentTimeMillis();
        for (ClientInfo c : clients) {
            if (c.state().equals("login") || c.state().equals("closing")) {
                continue;
            }
            List<Object> row = clientCells(c, c.state(), now);
            row.add(c.pinnedBy());
            row.add(c.admittedBy());
            table.row(row.toArray());
        }
        return table;
    }

    /** A client's cells of PgBouncer's socket columns, its state shown as {@code state}. */
    private static List<Object> clientCells(ClientInfo c, String state, long now) {
        long waitMicros = c.waitNanos() / 1000;
        return new ArrayList<>(Arrays.asList("C", c.user(), c.database(), c.replication(), state, host(c.remoteAddress()),
                port(c.remoteAddress()), host(c.localAddress()), port(c.localAddress()), ResultTable.time(c.connectedAtMillis()),
                ResultTable.time(Math.min(now, c.requestAtMillis())), waitMicros / 1_000_000, waitMicros % 1_000_000, 0,
                "c" + c.id(), c.serverId() < 0 ? "" : "s" + c.serverId(), 0, c.tls(), c.applicationName(),
                c.preparedStatements(), c.id()));
    }

    static ResultTable servers(Control control, List<ClientInfo> clients) {
        Map<Long, ClientInfo> byServer = new HashMap<>();
        clients.forEach(c -> {
            if (c.serverId() >= 0) {
                byServer.put(c.serverId(), c);
            }
        });
        ResultTable table = ResultTable.of(SOCKET_TYPES, SOCKET_COLUMNS);
        long nowMillis = System.currentTimeMillis();
        long nowNanos = System.nanoTime();
        for (Pool pool : sortedPools(control)) {
            for (ServerState s : pool.servers()) {
                table.row(serverCells(pool, s, byServer, s.phase().displayName(), nowMillis, nowNanos).toArray());
            }
        }
        return table;
    }

    /** A server's cells of PgBouncer's socket columns, its state shown as {@code state}. */
    private static List<Object> serverCells(Pool pool, ServerState s, Map<Long, ClientInfo> byServer, String state,
                                            long nowMillis, long nowNanos) {
        ServerConnection server = s.server();
        boolean ready = s.phase() != ServerPhase.LOGIN;
        SocketAddress remote = ready ? server.channel().remoteAddress() : null;
        SocketAddress local = ready ? server.channel().localAddress() : null;
        ClientInfo client = byServer.get(server.id());
        return new ArrayList<>(Arrays.asList("S", pool.settings().serverUser(), pool.key().database(), server.replication().shown(), state,
                remote != null ? host(remote) : pool.settings().server().host(),
                remote != null ? port(remote) : pool.settings().server().port(), host(local), port(local),
                timeOf(server.createdAtNanos(), nowMillis, nowNanos),
                timeOf(server.assignedAtNanos(), nowMillis, nowNanos), 0, 0,
                s.closeNeeded() ? 1 : 0, "s" + server.id(), client != null ? "c" + client.id() : "",
                ready ? server.processId() : 0, server.tls(), client != null ? client.applicationName() : "",
                server.statements().publishedSize(), server.id()));
    }

    /**
     * SHOW SOCKETS (or, {@code activeOnly}, SHOW ACTIVE_SOCKETS: those with data not sent yet): every
     * client and server with PgBouncer's list names as state ({@code cl_active}, {@code sv_idle}...)
     * and its debug columns. pgmux keeps no PgBouncer-style I/O buffer positions: recv_pos, pkt_pos,
     * pkt_remain, send_pos, send_remain and pkt_avail are 0; send_avail is what Netty holds unsent.
     */
    static ResultTable sockets(Control control, List<ClientInfo> clients, boolean activeOnly) {
        ResultTable table = ResultTable.of(SOCKET_TYPES + "iiiiiii", SOCKET_DEBUG_COLUMNS);
        long nowMillis = System.currentTimeMillis();
        long nowNanos = System.nanoTime();
        Map<Long, ClientInfo> byServer = new HashMap<>();
        for (ClientInfo c : clients) {
            if (c.serverId() >= 0) {
                byServer.put(c.serverId(), c);
            }
            String state = switch (c.state()) {
                case "login" -> "cl_login";
                case "waiting" -> "cl_waiting";
                case "closing" -> null;
                default -> "cl_active";
            };
            if (state != null && (!activeOnly || c.unsentBytes() > 0)) {
                List<Object> row = clientCells(c, state, nowMillis);
                row.addAll(debugCells(c.unsentBytes()));
                table.row(row.toArray());
            }
        }
        for (Pool pool : sortedPools(control)) {
            for (ServerState s : pool.servers()) {
                long unsent = UnsentBytes.of(s.server().channel());
                String state = switch (s.phase()) {
                    case ACTIVE -> "sv_active";
                    case IDLE -> "sv_idle";
                    case LOGIN -> "sv_login";
                    default -> null;
                };
                if (state != null && (!activeOnly || unsent > 0)) {
                    List<Object> row = serverCells(pool, s, byServer, state, nowMillis, nowNanos);
                    row.addAll(debugCells(unsent));
                    table.row(row.toArray());
                }
            }
        }
        return table;
    }

    private static List<Object> debugCells(long unsentBytes) {
        return List.of(0, 0, 0, 0, 0, 0, (int) Math.min(Integer.MAX_VALUE, unsentBytes));
    }

    static ResultTable stats(Control control) {
        ResultTable table = ResultTable.of("sNNNNNNNNNNNNNNNNNNNNNN", "database", "total_server_assignment_count",
                "total_xact_count", "total_query_count", "total_received", "total_sent", "total_xact_time",
                "total_query_time", "total_wait_time", "total_client_parse_count", "total_server_parse_count",
                "total_bind_count", "avg_server_assignment_count", "avg_xact_count", "avg_query_count", "avg_recv",
                "avg_sent", "avg_xact_time", "avg_query_time", "avg_wait_time", "avg_client_parse_count",
                "avg_server_parse_count", "avg_bind_count");
        statsByDatabase(control).forEach((db, s) -> {
            List<Object> row = new ArrayList<>(List.of(db));
            row.addAll(totalCells(s.totals));
            row.addAll(averageCells(s.period));
            table.row(row.toArray());
        });
        return table;
    }

    static ResultTable statsTotals(Control control) {
        ResultTable table = ResultTable.of("sNNNNNNNNNNN", "database", "server_assignment_count", "xact_count",
                "query_count", "bytes_received", "bytes_sent", "xact_time", "query_time", "wait_time",
                "client_parse_count", "server_parse_count", "bind_count");
        statsByDatabase(control).forEach((db, s) -> {
            List<Object> row = new ArrayList<>(List.of(db));
            row.addAll(totalCells(s.totals));
            table.row(row.toArray());
        });
        return table;
    }

    static ResultTable statsAverages(Control control) {
        ResultTable table = ResultTable.of("sNNNNNNNNNNN", "database", "server_assignment_count", "xact_count",
                "query_count", "bytes_received", "bytes_sent", "xact_time", "query_time", "wait_time",
                "avg_client_parse_count", "avg_server_parse_count", "avg_bind_count");
        statsByDatabase(control).forEach((db, s) -> {
            List<Object> row = new ArrayList<>(List.of(db));
            row.addAll(averageCells(s.period));
            table.row(row.toArray());
        });
        return table;
    }

    /** SHOW TOTALS: SHOW STATS summed over every database, one row per figure, with PgBouncer's names. */
    static ResultTable totals(Control control) {
        ResultTable table = ResultTable.of("sN", "name", "value");
        PoolStats.Totals totals = null;
        PoolStats.Period period = null;
        for (DatabaseStats s : statsByDatabase(control).values()) {
            totals = totals == null ? s.totals() : totals.plus(s.totals());
            period = period == null ? s.period() : new PoolStats.Period(period.delta().plus(s.period().delta()),
                    Math.max(period.micros(), s.period().micros()));
        }
        List<Object> totalValues = totals == null ? Collections.nCopies(TOTALS_NAMES.size(), 0) : totalCells(totals);
        List<Object> averageValues = period == null ? Collections.nCopies(TOTALS_NAMES.size(), 0) : averageCells(period);
        for (int i = 0; i < TOTALS_NAMES.size(); i++) {
            table.row("total_" + TOTALS_NAMES.get(i), totalValues.get(i));
        }
        for (int i = 0; i < TOTALS_NAMES.size(); i++) {
            table.row("avg_" + TOTALS_NAMES.get(i), averageValues.get(i));
        }
        return table;
    }

    /** SHOW TOTALS' figures, in the order of {@link #totalCells} and {@link #averageCells}: PgBouncer's counter names. */
    private static final List<String> TOTALS_NAMES = List.of("server_assignment_count", "xact_count", "query_count",
            "client_bytes", "server_bytes", "xact_time", "query_time", "wait_time", "ps_client_parse_count",
            "ps_server_parse_count", "ps_bind_count");

    /** The counters of SHOW STATS_TOTALS, in PgBouncer's column order (SHOW STATS starts with them too). */
    private static List<Object> totalCells(PoolStats.Totals t) {
        return List.of(t.serverAssignments(), t.transactions(), t.queries(), t.bytesReceived(), t.bytesSent(),
                t.transactionMicros(), t.queryMicros(), t.waitMicros(), t.clientParses(), t.serverParses(), t.binds());
    }

    /**
     * max_client_connections is the database's max_db_client_connections (its own, else the global
     * one; the console's is the global one) and current_client_connections what that limit counts:
     * the clients logged in to the database now, the console's own included.
     */
    static ResultTable databases(Control control) {
        ResultTable table = ResultTable.of("ssissiiiissiiiiii", "name", "host", "port", "database", "force_user",
                "pool_size", "min_pool_size", "reserve_pool_size", "server_lifetime", "pool_mode", "load_balance_hosts",
                "max_connections", "current_connections", "max_client_connections", "current_client_connections",
                "paused", "disabled");
        PgmuxConfig config = control.config();
        SessionRegistry sessions = control.sessions();
        TreeSet<String> names = databaseNames(control);
        names.addAll(ConfigLoader.RESERVED_DATABASES);
        for (String name : names) {
            int maxClients = config.maxDbClientConnections(name);
            if (AdminConsole.isConsoleDatabase(name)) {
                // the console, as PgBouncer lists its "pgbouncer" database: no server, statement-at-a-time
                table.row(name, null, control.boundAddress().port(), name, name, 0, 0, 0, 0, "statement", null, 0, 0,
                        maxClients, sessions.clientsOfDatabase(name), 0, 0);
                continue;
            }
            DatabaseConfig db = config.database(name).orElse(null);
            List<Pool> pools = control.pools().ofDatabase(name);
            if (db == null && pools.isEmpty()) {
                continue;
            }
            int servers = 0;
            for (Pool pool : pools) {
                servers += pool.counts().servers();
            }
            ServerHosts hosts = db != null ? db.hosts() : pools.get(0).settings().hosts();
            String host = hosts.hostNames();
            String balance = hosts.isList() ? hosts.balance().yamlName() : null;
            int port = db != null ? db.server().port() : pools.get(0).settings().server().port();
            String dbname = db != null ? db.dbname() : pools.get(0).settings().dbname();
            int poolSize = db != null ? db.poolSize() : pools.get(0).settings().poolSize();
            String mode = db != null ? db.poolMode().yamlName() : pools.get(0).settings().mode().yamlName();
            DatabaseLimits limits = db != null ? db.limits() : DatabaseLimits.GLOBAL;
            table.row(name, host, port, dbname, db != null ? db.user() : null, poolSize,
                    limits.minPoolSize(config.serverLimits()), limits.reservePoolSize(config.serverLimits()),
                    config.serverLifetime().toSeconds(), mode, balance, limits.maxDbConnections(config.serverLimits()),
                    servers, maxClients, sessions.clientsOfDatabase(name),
                    control.pools().isPaused(name) ? 1 : 0, control.pools().isDisabled(name) ? 1 : 0);
        }
        return table;
    }

    /**
     * SHOW USERS, PgBouncer 1.25's columns, for the users under {@code users}, of a pool, or of a
     * logged-in client: pool_size, reserve_pool_size and pool_mode are the user's own (NULL where it
     * leaves them to the database or the global keys); max_user_client_connections is the user's own,
     * else the global one, and current_client_connections what that limit counts: the clients logged
     * in as the user now, on any database and the console.
     */
    static ResultTable users(Control control) {
        ResultTable table = ResultTable.of("ssssiiii", "name", "pool_size", "reserve_pool_size", "pool_mode",
                "max_user_connections", "current_connections", "max_user_client_connections",
                "current_client_connections");
        SessionRegistry sessions = control.sessions();
        TreeSet<String> names = new TreeSet<>(control.config().users().keySet());
        Map<String, Integer> servers = new HashMap<>();
        for (Pool pool : control.pools().all()) {
            names.add(pool.key().user());
            servers.merge(pool.key().user(), pool.counts().servers(), Integer::sum);
        }
        names.addAll(sessions.usersWithClients());
        PgmuxConfig config = control.config();
        for (String name : names) {
            UserConfig user = config.users().get(name);
            int maxConnections = user != null ? user.maxUserConnections(config.serverLimits())
                    : config.serverLimits().maxUserConnections();
            UserSettings own = user != null ? user.settings() : UserSettings.NONE;
            table.row(name, text(own.poolSize()), text(own.reservePoolSize()),
                    own.poolMode() != null ? own.poolMode().yamlName() : null, maxConnections, servers.getOrDefault(name, 0),
                    config.maxUserClientConnections(name), sessions.clientsOfUser(name));
        }
        return table;
    }

    private static String text(Integer value) {
        return value == null ? null : value.toString();
    }

    static ResultTable lists(Control control, List<ClientInfo> clients) {
        ResultTable table = ResultTable.of("si", "list", "items");
        TreeSet<String> users = new TreeSet<>(control.config().users().keySet());
        int servers = 0;
        for (Pool pool : control.pools().all()) {
            users.add(pool.key().user());
            PoolCounts c = pool.counts();
            servers += c.servers() + c.closingServers();
        }
        long login = clients.stream().filter(c -> c.state().equals("login")).count();
        table.row("databases", databaseNames(control).size());
        table.row("users", users.size());
        int peers = control.peerCancels().directory().current().peers().size();
        table.row("peers", peers);
        table.row("pools", control.pools().all().size());
        table.row("peer_pools", peers);
        table.row("free_clients", 0);
        table.row("used_clients", control.sessions().connectedCount());
        table.row("login_clients", login);
        table.row("free_servers", 0);
        table.row("used_servers", servers);
        table.row("dns_names", control.serverAddresses().cached().size());
        table.row("dns_zones", 0);
        table.row("dns_queries", 0);
        table.row("dns_pending", 0);
        return table;
    }

    /**
     * PgBouncer's columns: each current peer (this replica's own entry and ids two addresses claim are
     * left out), with pool_size 0: pgmux opens no pool to a peer, it sends each cancel on its own
     * connection. Then the shared server budget: live (1 if it answered within the detection window),
     * servers (what it said it has open or being opened, over its databases, in its last answer) and
     * share (its share of the global max_db_connections in the split this replica heads for; a
     * database's own limit splits the same way; 0 when there is no limit).
     */
    static ResultTable peers(Control control) {
        ResultTable table = ResultTable.of("isiiiii", "peer_id", "host", "port", "pool_size", "live", "servers", "share");
        PeerBudget budget = control.peerBudget();
        int limit = control.config().serverLimits().maxDbConnections();
        for (Peer peer : control.peerCancels().directory().current().peers()) {
            PeerView view = budget == null ? null : budget.lastView(peer.id());
            boolean live = budget != null && budget.live().contains(peer.id());
            int servers = view == null ? 0 : view.used().values().stream().mapToInt(Integer::intValue).sum();
            int share = budget == null || limit == 0 ? 0 : budget.target().shareOf(peer.id(), limit);
            table.row(peer.id(), peer.host(), peer.port(), 0, live ? 1 : 0, servers, share);
        }
        return table;
    }

    /**
     * PgBouncer's columns, one row per current peer: sv_active_cancel counts cancels being sent to
     * it now; pgmux queues none (cl_waiting_cancel_req 0), holds no client for them (the
     * CancelRequest's connection is closed once it is handed on: cl_active_cancel_req 0) and logs in
     * to no peer (sv_login 0). The totals are on /metrics.
     */
    static ResultTable peerPools(Control control) {
        ResultTable table = ResultTable.of("siiii", "database", "cl_active_cancel_req", "cl_waiting_cancel_req",
                "sv_active_cancel", "sv_login");
        PeerCancels cancels = control.peerCancels();
        for (Peer peer : cancels.directory().current().peers()) {
            table.row(Integer.toString(peer.id()), 0, 0, cancels.sendingTo(peer.id()), 0);
        }
        return table;
    }

    static ResultTable config(Control control) {
        ResultTable table = ResultTable.of("ssss", "key", "value", "default", "changeable");
        for (ConfigView.Setting s : ConfigView.settings(control.config())) {
            table.row(s.key(), s.value(), s.defaultValue(), s.changeable() ? "yes" : "no");
        }
        return table;
    }

    static ResultTable version() {
        return ResultTable.of("s", "version").row("pgmux " + PgmuxVersion.current());
    }

    /** pgmux's own: percentiles of the last stats_period (sliding), per pool, in microseconds. */
    static ResultTable latency(Control control) {
        List<String> names = new ArrayList<>(List.of("database", "user"));
        StringBuilder types = new StringBuilder("ss");
        for (String kind : List.of("wait", "xact", "query")) {
            for (String stat : List.of("count", "p50_us", "p90_us", "p99_us", "p999_us", "max_us")) {
                names.add(kind + "_" + stat);
                types.append('q');
            }
        }
        ResultTable table = ResultTable.of(types.toString(), names.toArray(String[]::new));
        long now = System.nanoTime();
        for (Pool pool : sortedPools(control)) {
            List<Object> row = new ArrayList<>(List.of(pool.key().database(), pool.key().user()));
            for (LatencyWindow window : List.of(pool.stats().waitTimes(), pool.stats().transactionTimes(),
                    pool.stats().queryTimes())) {
                LatencyWindow.Snapshot s = window.snapshot(now);
                row.addAll(List.of(s.windowCount(), s.p50(), s.p90(), s.p99(), s.p999(), s.max()));
            }
            table.row(row.toArray());
        }
        return table;
    }

    /**
     * pgmux's own: the named prepared statements each pool's clients hold, by content, with the name
     * they have on the servers ({@code prepared_statements: rewrite}).
     */
    static ResultTable preparedStatements(Control control) {
        ResultTable table = ResultTable.of("sssisss", "database", "user", "server_name", "client_references",
                "validated", "parameter_types", "query");
        for (Pool pool : sortedPools(control)) {
            List<PreparedStatement> statements = new ArrayList<>(pool.statements().all());
            statements.sort(Comparator.comparing(PreparedStatement::serverName));
            for (PreparedStatement statement : statements) {
                table.row(pool.key().database(), pool.key().user(), statement.serverName(), statement.clientReferences(),
                        statement.isValidated() ? "yes" : "no", Arrays.toString(statement.key().parameterTypes()),
                        statement.key().query());
            }
        }
        return table;
    }

    /** PgBouncer's answers to SHOW of a few server settings that drivers ask about. */
    static ResultTable fakeSetting(String name) {
        String value = switch (name) {
            case "client_encoding" -> "UTF-8";
            case "default_transaction_isolation" -> "read committed";
            case "standard_conforming_strings" -> "on";
            case "datestyle" -> "ISO";
            case "timezone" -> "GMT";
            default -> null;
        };
        return value == null ? null : ResultTable.of("s", name).row(value);
    }

    private static List<Pool> sortedPools(Control control) {
        List<Pool> pools = new ArrayList<>(control.pools().all());
        pools.sort(Comparator.comparing((Pool p) -> p.key().database()).thenComparing(p -> p.key().user()));
        return pools;
    }

    private static TreeSet<String> databaseNames(Control control) {
        TreeSet<String> names = new TreeSet<>(control.config().databases().keySet());
        control.pools().all().forEach(pool -> names.add(pool.key().database()));
        return names;
    }

    /** The console's commands are PgBouncer's admin database's: one row named as PgBouncer names it. */
    private static final String CONSOLE_STATS_NAME = "pgbouncer";

    private record DatabaseStats(PoolStats.Totals totals, PoolStats.Period period) {}

    private static Map<String, DatabaseStats> statsByDatabase(Control control) {
        Map<String, DatabaseStats> byDb = new TreeMap<>();
        PoolStats console = control.consoleStats();
        byDb.put(CONSOLE_STATS_NAME, new DatabaseStats(console.totals(), console.lastPeriod()));
        for (Pool pool : control.pools().all()) {
            PoolStats.Totals totals = pool.stats().totals();
            PoolStats.Period period = pool.stats().lastPeriod();
            byDb.merge(pool.key().database(), new DatabaseStats(totals, period), (a, b) -> new DatabaseStats(
                    a.totals().plus(b.totals()),
                    new PoolStats.Period(a.period().delta().plus(b.period().delta()),
                            Math.max(a.period().micros(), b.period().micros()))));
        }
        return byDb;
    }

    /**
     * The per-second rates and average times of the last stats period, in PgBouncer's column order
     * of SHOW STATS_AVERAGES (SHOW STATS ends with them).
     */
    private static List<Object> averageCells(PoolStats.Period period) {
        PoolStats.Totals d = period.delta();
        long micros = period.micros();
        return List.of(perSecond(d.serverAssignments(), micros), perSecond(d.transactions(), micros),
                perSecond(d.queries(), micros), perSecond(d.bytesReceived(), micros), perSecond(d.bytesSent(), micros),
                d.transactions() > 0 ? d.transactionMicros() / d.transactions() : 0,
                d.queries() > 0 ? d.queryMicros() / d.queries() : 0,
                d.waits() > 0 ? d.waitMicros() / d.waits() : 0,
                perSecond(d.clientParses(), micros), perSecond(d.serverParses(), micros), perSecond(d.binds(), micros));
    }

    private static long perSecond(long count, long micros) {
        return micros <= 0 ? 0 : count * 1_000_000 / micros;
    }

    /** The wall-clock time of a {@link System#nanoTime()} reading. */
    private static String timeOf(long nanos, long nowMillis, long nowNanos) {
        return ResultTable.time(nowMillis - (nowNanos - nanos) / 1_000_000);
    }

    /** A client on the Unix domain socket is shown as PgBouncer shows it: "unix". */
    private static String host(SocketAddress address) {
        if (address instanceof DomainSocketAddress) {
            return "unix";
        }
        return address instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : null;
    }

    private static Integer port(SocketAddress address) {
        return address instanceof InetSocketAddress inet ? inet.getPort() : null;
    }
}
