package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.BackendKeyData;
import io.pgmux.protocol.message.CancelRequest;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Messages;
import io.pgmux.protocol.message.NegotiateProtocolVersion;
import io.pgmux.protocol.message.ParameterStatus;
import io.pgmux.protocol.message.ReadyForQuery;
import io.pgmux.protocol.message.StartupMessage;
import io.pgmux.proxy.admin.AdminConsole;
import io.pgmux.proxy.admin.ConsoleRole;
import io.pgmux.proxy.backend.Replication;
import io.pgmux.proxy.backend.ServerParameters;
import io.pgmux.proxy.client.SessionState.Admin;
import io.pgmux.proxy.client.SessionState.AwaitingStartup;
import io.pgmux.proxy.client.SessionState.Authenticating;
import io.pgmux.proxy.backend.PassThrough;
import io.pgmux.proxy.config.PgmuxConfig;
import io.pgmux.proxy.config.Units;
import io.pgmux.proxy.net.FrameDecoder;
import io.pgmux.proxy.net.PeerUsers;
import io.pgmux.proxy.peer.PeerBudget;
import io.pgmux.proxy.peer.PeerCancels;
import io.pgmux.proxy.pool.Pool;
import io.pgmux.proxy.pool.PoolJoin;
import io.pgmux.proxy.pool.PoolKey;
import io.pgmux.proxy.util.ClientText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The login of one {@link ClientSession}, from its connection to its welcome: the startup packet
 * (or a cancel request), authentication, admission against the connection limits, joining the
 * pool, and the decision whether the welcome goes at once or a server checks the client's startup
 * settings first. Runs on the session's loop; it changes the session's state only through the
 * session, and hands it over at the welcome (Idle), to the admin console (Admin), or to the pool
 * (Waiting for the check).
 *
 * <p>It also keeps who the client said it is (user, database, startup settings), which the session
 * reads for its whole life.
 *
 * <p>Until it has authenticated, a connection counts against {@code max_pending_logins} (checked at
 * connect), may send messages of at most {@link io.pgmux.proxy.net.FrameDecoder#LOGIN_MESSAGE_LIMIT}
 * bytes and has {@code client_login_timeout} to finish; from then on it counts against
 * {@code max_client_connections} (checked when authentication succeeds, with
 * {@code admin_reserved_connections} more for console users). See {@link SessionRegistry}.
 */
final class ClientLogin {
    private static final Logger log = LoggerFactory.getLogger(ClientLogin.class);

    private final ClientSession session;
    private final Channel channel;
    private final ProxyContext context;
    private String user;
    private String database;
    private ClientParameters parameters;
    private ScheduledFuture<?> timeout;
    /** How the client proves itself, from its startup packet on; null before. */
    private LoginAuthentication authentication;
    /** What admitted the client, kept from {@link #authentication} once it is done with (at joining the pool). */
    private String admittedBy = "";
    /** What the client proved at login, for its pool to log in with (see {@link Pool#learnPassThrough}). */
    private PassThrough passThrough;
    /** What the startup packet's {@code replication} asked for. */
    private Replication replication = Replication.NONE;
    /** A replication client's startup parameters for its own server (all but user and database), until it asks for it. */
    private Map<String, String> replicationStartup;
    /** Whether the login is for the admin console and as whom; decided once, when authentication succeeds. */
    private ConsoleRole consoleRole = ConsoleRole.NONE;

    ClientLogin(ClientSession session, Channel channel, ProxyContext context) {
        this.session = session;
        this.channel = channel;
        this.context = context;
    }

    /** The user of the startup packet, or null before it. */
    String user() {
        return user;
    }

    /** The method and the HBA rule (or client_auth) that admitted the client; "" before it is known. */
    String admittedBy() {
        return authentication != null ? authentication.admittedBy() : admittedBy;
    }

    /** The database of the startup packet, or null before it. */
    String database() {
        return database;
    }

    /** What the client's startup packet asked for: NONE but for a replication client. */
    Replication replication() {
        return replication;
    }

    /** The client's settings, from its startup packet on; null before it. */
    ClientParameters parameters() {
        return parameters;
    }

    /** A connection arrived: it counts against {@code max_pending_logins} and has {@code client_login_timeout} to log in. */
    void onConnected() {
        int maxPending = context.config().loginLimits().maxPendingLogins();
        if (!context.sessions().onConnected(session, maxPending)) {
            session.moveTo(SessionState.CLOSED);
            channel.config().setAutoRead(false);
            logRefusal("max_pending_logins " + maxPending + " reached");
            session.fatal(ErrorResponse.fatal(SqlState.TOO_MANY_CONNECTIONS, "too many connections are logging in: pgmux allows "
                    + maxPending + " at once (max_pending_logins)").withHint("Try again in a moment."));
            return;
        }
        timeout = channel.eventLoop().schedule(this::onTimeout, context.loginTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
    }

    private void onTimeout() {
        if (session.state() instanceof AwaitingStartup || session.state() instanceof Authenticating) {
            log.debug("c{} [{}] login did not complete within client_login_timeout; closing", session.id(), session.poolName());
            session.fatal(ErrorResponse.fatal(SqlState.CONNECTION_FAILURE, "login did not complete within "
                    + Units.formatDuration(context.loginTimeout()) + " (client_login_timeout)"));
        }
    }

    // ---------------------------------------------------------------- startup packet

    void onStartupPacket(ByteBuf packet) {
        try {
            int code = Frames.startupCode(packet);
            switch (code) {
                case Frontend.SSL_REQUEST_CODE -> {
                    session.tls().onSslRequest();
                    return;
                }
                case Frontend.GSSENC_REQUEST_CODE -> {
                    channel.writeAndFlush(Messages.encryptionRefused());
                    return;
                }
                case Frontend.CANCEL_REQUEST_CODE -> {
                    onCancelRequest(CancelRequest.decode(packet));
                    return;
                }
                case Frontend.PEER_VIEW_REQUEST_CODE -> {
                    onPeerViewRequest();
                    return;
                }
                default -> onStartupMessage(StartupMessage.decode(packet));
            }
        } finally {
            packet.release();
        }
    }

    /**
     * To the server the key's client holds now, or to the peer replica that issued the key (see
     * {@link PeerCancels}). The client's cancel connection is closed once Postgres has answered
     * the forwarded cancel, as Postgres closes it: libpq's cancel returns when the cancel has landed.
     */
    private void onCancelRequest(CancelRequest request) {
        session.moveTo(SessionState.CLOSED);
        context.sessions().onCancelRequest(session);
        PeerCancels peers = context.peerCancels();
        ClientSession target = context.sessions().find(peers.localProcessId(request.processId()), request.secretKey());
        if (target != null) {
            peers.onLocalClient(request.processId());
            target.executor().execute(() -> target.forwardCancel(channel::close));
        } else {
            peers.onNoLocalClient(channel.eventLoop(), request.processId(), request.secretKey(), channel::close);
        }
    }

    /**
     * A peer replica asks for this one's view of the shared server budget: the view, then close
     * (nothing, if peering is off or the request does not come from a peer's address).
     */
    private void onPeerViewRequest() {
        session.moveTo(SessionState.CLOSED);
        PeerBudget budget = context.peerBudget();
        if (budget == null || !comesFromPeer(budget)) {
            channel.close();
            return;
        }
        channel.writeAndFlush(Unpooled.wrappedBuffer(budget.answer())).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * On TCP, from a peer's address; on the Unix socket, from a process of pgmux's own OS user while
     * a peer is listed by its Unix socket (the socket says no more about who is asking).
     */
    private boolean comesFromPeer(PeerBudget budget) {
        if (channel.remoteAddress() instanceof InetSocketAddress from) {
            return budget.isPeerAddress(from.getAddress());
        }
        return PeerUsers.isOwnUser(channel) && budget.hasUnixSocketPeer();
    }

    private void onStartupMessage(StartupMessage startup) {
        if (startup.majorVersion() != 3) {
            session.fatal(ErrorResponse.fatal(SqlState.FEATURE_NOT_SUPPORTED, "unsupported frontend protocol "
                    + startup.majorVersion() + "." + startup.minorVersion() + ": pgmux supports 3.0"));
            return;
        }
        Map<String, String> startupParameters = startup.parameters();
        List<String> protocolOptions = startupParameters.keySet().stream().filter(k -> k.startsWith("_pq_.")).toList();
        if (startup.minorVersion() > 0 || !protocolOptions.isEmpty()) {
            session.writeToClient(new NegotiateProtocolVersion(Frontend.PROTOCOL_3_0, protocolOptions));
        }
        user = startupParameters.get("user");
        if (user == null || user.isEmpty()) {
            session.fatal(ErrorResponse.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION, "no PostgreSQL user name specified in startup packet"));
            return;
        }
        ErrorResponse tlsRefusal = session.tls().refusal(user);
        if (tlsRefusal != null) {
            log.info("c{} [{}] refused: {}", session.id(), ClientText.name(user), tlsRefusal.message());
            session.fatal(tlsRefusal);
            return;
        }
        database = startupParameters.getOrDefault("database", user);
        if (database.isEmpty()) {
            database = user;
        }
        try {
            replication = Replication.parse(startupParameters.get(Replication.PARAMETER));
        } catch (IllegalArgumentException e) {
            session.fatal(ErrorResponse.fatal(SqlState.INVALID_PARAMETER_VALUE, e.getMessage())
                    .withHint("Valid values are false, true and database."));
            return;
        }
        if (context.config().observability().applicationNameAddHost()) {
            startupParameters = withClientAddress(startupParameters);
        }
        if (replication != Replication.NONE) {
            replicationStartup = serverStartup(startupParameters);
            startupParameters = new LinkedHashMap<>(startupParameters);
            startupParameters.remove("options"); // it goes to the client's own server as it is, not read here
        }
        try {
            parameters = ClientParameters.fromStartup(startupParameters,
                    context.config().sessionSetup().ignoreStartupParameters());
        } catch (IllegalArgumentException e) {
            session.fatal(ErrorResponse.fatal(SqlState.FEATURE_NOT_SUPPORTED, e.getMessage()));
            return;
        }
        // Whether the database is served is asked only after the password (joinPool), as Postgres
        // and PgBouncer do: a client that cannot log in must not learn which databases exist.
        context.sessions().assignCancelKey(session);
        log.info("c{} [{}] login from {}", session.id(), session.poolName(), channel.remoteAddress());
        authentication = new LoginAuthentication(session, channel, context, user, database, this::onAuthenticationStep);
        authentication.begin();
    }

    /**
     * {@code application_name_add_host}: the client's address and port follow its application_name
     * ({@code app - 10.0.0.7:53122}; the address alone when it has none), so pg_stat_activity shows
     * where a transaction-pooled query came from. Socket clients keep theirs.
     */
    private Map<String, String> withClientAddress(Map<String, String> startupParameters) {
        if (!(channel.remoteAddress() instanceof InetSocketAddress address)) {
            return startupParameters;
        }
        String host = address.getAddress().getHostAddress() + ":" + address.getPort();
        Map<String, String> changed = new LinkedHashMap<>(startupParameters);
        String name = changed.get("application_name");
        changed.put("application_name", name == null || name.isEmpty() ? host : name + " - " + host);
        return changed;
    }

    /** PgBouncer's words, which scripts match, with Postgres's SQLSTATE for a database that does not exist. */
    static ErrorResponse unknownDatabase(String database) {
        return ErrorResponse.fatal(SqlState.INVALID_CATALOG_NAME, "no such database: " + ClientText.name(database))
                .withHint("pgmux serves the databases listed under \"databases\" in its config, and any database when \"upstream\" is set.");
    }

    /**
     * A replication client's parameters for its own server: all it sent but user and database
     * (those are its pool's), {@code options} verbatim and {@code replication} as Postgres spells it.
     * Its server is never shared, so nothing of this can reach another client.
     */
    private Map<String, String> serverStartup(Map<String, String> startupParameters) {
        Map<String, String> startup = new LinkedHashMap<>(startupParameters);
        startup.remove("user");
        startup.remove("database");
        startup.put(Replication.PARAMETER, replication.startupValue());
        return startup;
    }

    // ---------------------------------------------------------------- authentication and admission

    void onPasswordFrame(Authenticating authenticating, ByteBuf frame) {
        try {
            if (authenticating.authenticator() == null || authenticating.authenticator().finished()) {
                return; // failed, its error delayed (LoginAuthentication.failed): what the client sent meanwhile is not read
            }
            if (Frames.type(frame) != Frontend.PASSWORD) {
                throw new ProtocolException("expected a password message, got message type " + Frames.describeType(Frames.type(frame)));
            }
            onAuthenticationStep(authenticating.authenticator().onPasswordFrame(frame));
        } finally {
            frame.release();
        }
    }

    private void onAuthenticationStep(ClientAuthenticator.Step step) {
        if (step instanceof ClientAuthenticator.Send send) {
            session.writeToClient(send.message());
            session.flushClient();
        } else if (step instanceof ClientAuthenticator.Failure failure) {
            authentication.failed(failure.error(), failure.reason());
        } else if (step instanceof ClientAuthenticator.Success success) {
            authentication.succeeded();
            consoleRole = ConsoleRole.of(context.config().observability(), database, user, authentication.ownUserAdmin());
            if (!admitLoggedIn()) {
                return;
            }
            FrameDecoder decoder = channel.pipeline().get(FrameDecoder.class);
            if (decoder != null) {
                decoder.loggedIn();
                decoder.streamWhen(session::canStream);
            }
            passThrough = success.passThrough();
            if (success.finalMessage() != null) {
                session.writeToClient(success.finalMessage());
            }
            session.writeToClient(Messages.authenticationOk());
            afterAuthentication();
        }
    }

    /**
     * Moves the session from the logins to the clients: a client while fewer than
     * {@code max_client_connections} are logged in; a console user (admin or stats) while fewer than
     * that plus {@code admin_reserved_connections}, so an operator gets in when clients fill pgmux.
     * Otherwise the client gets 53300 and false.
     */
    private boolean admitLoggedIn() {
        PgmuxConfig config = context.config();
        int maxClients = config.maxClientConnections();
        boolean consoleUser = consoleRole.admitted();
        int reserved = config.loginLimits().adminReservedConnections();
        int limit = consoleUser ? (int) Math.min((long) maxClients + reserved, Integer.MAX_VALUE) : maxClients;
        if (context.sessions().onLoggedIn(session, limit)) {
            return admitByName(config);
        }
        session.moveTo(SessionState.CLOSED);
        if (consoleUser) {
            logRefusal("max_client_connections " + maxClients + " and admin_reserved_connections " + reserved + " reached");
            session.fatal(ErrorResponse.fatal(SqlState.TOO_MANY_CONNECTIONS, "too many client connections: the admin console's "
                    + reserved + " reserved connections are in use too (admin_reserved_connections)"));
        } else {
            logRefusal("max_client_connections " + maxClients + " reached");
            session.fatal(ErrorResponse.fatal(SqlState.TOO_MANY_CONNECTIONS, "too many client connections: pgmux allows "
                    + maxClients + " (max_client_connections)"));
        }
        return false;
    }

    /**
     * {@code max_db_client_connections} and {@code max_user_client_connections}: the client counts
     * under its database and its user, or gets 53300 naming the limit and false. As in PgBouncer,
     * console clients count too (under the console's database, against the global
     * max_db_client_connections), and an {@code admin_users} name on the console is counted but
     * never refused, so an operator gets in to see who fills the limits.
     */
    private boolean admitByName(PgmuxConfig config) {
        boolean consoleAdmin = consoleRole == ConsoleRole.ADMIN;
        int maxDb = consoleAdmin ? 0 : config.maxDbClientConnections(database);
        int maxUser = consoleAdmin ? 0 : config.maxUserClientConnections(user);
        SessionRegistry.NameLimit refusal = context.sessions().countByName(session, database, maxDb, user, maxUser);
        if (refusal == SessionRegistry.NameLimit.NONE) {
            return true;
        }
        session.moveTo(SessionState.CLOSED);
        boolean byDatabase = refusal == SessionRegistry.NameLimit.MAX_DB_CLIENT_CONNECTIONS;
        String key = byDatabase ? "max_db_client_connections" : "max_user_client_connections";
        int max = byDatabase ? maxDb : maxUser;
        logRefusal(key + " " + max + " reached");
        session.fatal(ErrorResponse.fatal(SqlState.TOO_MANY_CONNECTIONS, "too many client connections "
                + (byDatabase ? "to database \"" + ClientText.name(database) + "\"" : "as user \"" + ClientText.name(user) + "\"")
                + ": pgmux allows " + max + " (" + key + ")"));
        return false;
    }

    /** One line a second at most, however many connections a limit refuses. */
    private void logRefusal(String reason) {
        if (context.sessions().shouldLogRefusal()) {
            log.info("c{} [{}] refused: {} ({} connections refused by a limit since start)", session.id(), session.poolName(),
                    reason, context.sessions().refusedCount());
        }
    }

    // ---------------------------------------------------------------- the welcome

    /**
     * The welcome needs a server's view of the settings. It comes straight from the pool when the
     * pool knows its defaults and every setting the client asked for was already accepted by a
     * server; otherwise a server checks them first, as Postgres would at startup.
     */
    private void afterAuthentication() {
        if (consoleRole != ConsoleRole.NONE) {
            openAdminConsole();
            return;
        }
        Pool pool = joinPool();
        if (pool == null) {
            return;
        }
        if (replication != Replication.NONE) {
            Map<String, String> startup = replicationStartup;
            replicationStartup = null;
            session.startReplication(replication, startup);
            return;
        }
        ServerParameters welcome = pool.welcomeParameters();
        boolean allKnown = welcome != null;
        for (Map.Entry<String, String> setting : Map.copyOf(parameters.values()).entrySet()) {
            String name = setting.getKey();
            String value = setting.getValue();
            String accepted = pool.acceptedSetting(name, value);
            if (accepted != null) {
                parameters.normalizeStartup(name, accepted);
            } else if (!(welcome != null && value.equals(welcome.get(name))) && !isPlainApplicationName(name, value)) {
                allKnown = false;
            }
        }
        if (allKnown) {
            parameters.adoptDefaults(welcome);
            sendWelcome(welcome);
            return;
        }
        session.startWaiting(new SessionState.Waiting(new ArrayList<>(), true));
    }

    /**
     * What only the login needed goes, and the client's names become the pool's copies of them:
     * a logged-in client that stays idle holds as little as can be.
     */
    private void forgetLoginDetails(PoolKey key) {
        if (authentication != null) {
            admittedBy = authentication.admittedBy();
            authentication = null;
        }
        if (key.user().equals(user)) {
            user = key.user();
        }
        if (key.database().equals(database)) {
            database = key.database();
        }
    }

    /**
     * Counts the client in the pool of its database and user, which is made now if it does not
     * exist: only clients that logged in make pools. Null after sending the FATAL error when there
     * is none to join (max_pools reached, or the database is not served: asked only now, after the
     * password, so that a client that cannot log in learns nothing of the databases).
     */
    private Pool joinPool() {
        PoolJoin join = context.pools().join(database, user);
        if (join instanceof PoolJoin.Joined joined) {
            if (joined.pool().key().user().equals(user)) {
                joined.pool().learnPassThrough(passThrough);
            }
            passThrough = null;
            forgetLoginDetails(joined.pool().key());
            session.joined(joined.pool(), parameters);
            return joined.pool();
        }
        if (join instanceof PoolJoin.Disabled) {
            log.info("c{} [{}] refused: the database is disabled (DISABLE)", session.id(), session.poolName());
            session.fatal(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "database \"" + ClientText.name(database)
                    + "\" is disabled").withHint("An admin ran DISABLE on it; ENABLE in the admin console lets clients in again."));
        } else if (join instanceof PoolJoin.TooManyPools tooMany) {
            log.info("c{} [{}] refused: pgmux has max_pools ({}) pools and none is unused", session.id(), session.poolName(),
                    tooMany.maxPools());
            session.fatal(ErrorResponse.fatal(SqlState.TOO_MANY_CONNECTIONS, "too many pools: pgmux allows "
                    + tooMany.maxPools() + " (max_pools), one per database and user, and every one is in use")
                    .withHint("Raise max_pools, or have clients share fewer user names."));
        } else {
            log.info("c{} [{}] refused after authentication: the database is not served", session.id(), session.poolName());
            session.fatal(unknownDatabase(database));
        }
        return null;
    }

    private void openAdminConsole() {
        cancelTimeout();
        session.flushClient(); // the console writes to the channel itself, after AuthenticationOk
        if (!consoleRole.admitted()) {
            log.info("c{} [{}] refused: not an admin or stats user", session.id(), session.poolName());
            session.fatal(AdminConsole.notAllowed(user));
            return;
        }
        AdminConsole console = AdminConsole.open(context.control(), channel, session.id(), user, database, consoleRole);
        session.moveTo(new Admin(console));
        console.start(session.processId(), session.secretKey());
    }

    /** Postgres keeps an application_name of printable ASCII under 64 bytes exactly as given. */
    private static boolean isPlainApplicationName(String name, String value) {
        return name.equalsIgnoreCase("application_name") && value.length() < 64
                && value.chars().allMatch(c -> c >= 32 && c < 127);
    }

    /** A server accepted the settings it checked: the values it reported are the client's, and the pool's for next time. */
    void adoptNormalizedSettings(Pool pool, ParameterSync sync, List<String> normalized) {
        int i = 0;
        for (Map.Entry<String, String> setting : sync.toSet().entrySet()) {
            String value = i < normalized.size() ? normalized.get(i) : setting.getValue();
            i++;
            pool.rememberAcceptedSetting(setting.getKey(), setting.getValue(), value);
            parameters.normalizeStartup(setting.getKey(), value);
        }
    }

    /** The end of the login: the client's settings as the server sees them, its cancel key, and ReadyForQuery. */
    void sendWelcome(ServerParameters welcome) {
        cancelTimeout();
        welcome.reported().forEach((name, serverValue) -> {
            String value = parameters.get(name);
            session.writeToClient(new ParameterStatus(name, value != null ? value : serverValue));
        });
        session.writeToClient(new BackendKeyData(session.processId(), session.secretKey()));
        session.writeToClient(new ReadyForQuery(TransactionStatus.IDLE));
        session.flushClient();
        session.moveTo(SessionState.IDLE);
        if (context.control() != null && context.control().isSuspended()) {
            session.suspendReading(); // it logged in while SUSPEND paused the others
        }
    }
}
