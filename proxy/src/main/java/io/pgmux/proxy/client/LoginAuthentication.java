package io.pgmux.proxy.client;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.admin.AdminConsole;
import io.pgmux.proxy.auth.AuthLookupException;
import io.pgmux.proxy.auth.FailedLogins;
import io.pgmux.proxy.auth.HbaCheck;
import io.pgmux.proxy.backend.Replication;
import io.pgmux.proxy.client.SessionState.Authenticating;
import io.pgmux.proxy.config.AuthFailureLimits;
import io.pgmux.proxy.config.AuthMethod;
import io.pgmux.proxy.config.DatabaseConfig;
import io.pgmux.proxy.config.HbaMethod;
import io.pgmux.proxy.config.HbaRule;
import io.pgmux.proxy.config.PgmuxConfig;
import io.pgmux.proxy.config.UnixSocketAuth;
import io.pgmux.proxy.config.Units;
import io.pgmux.proxy.net.PeerUsers;
import io.pgmux.proxy.util.ClientText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * How a client that sent its startup packet must prove who it is, up to the password exchange:
 * the method (its OS user, for a socket client under {@code unix_socket_auth: peer}; else the first
 * HBA rule that admits it, with the certificate that rule asks for, see {@link CertificateLogin}; else
 * {@code client_auth}), the user's secret
 * (looked up with {@code auth_query} when the config has none), and what a failure costs (its error
 * waits as long as its address has earned, see {@link FailedLogins}). Lookups run off the loop; their
 * answers come back to it and count only while the session is still authenticating. Every step of
 * the exchange itself goes to the {@link ClientLogin}'s {@code onStep}.
 */
final class LoginAuthentication {
    private static final Logger log = LoggerFactory.getLogger(LoginAuthentication.class);

    private final ClientSession session;
    private final Channel channel;
    private final ProxyContext context;
    private final String user;
    private final String database;
    private final Consumer<ClientAuthenticator.Step> onStep;
    /** How the client was admitted, for SHOW CLIENTS: {@code md5 (client_auth)}, {@code scram-sha-256 (hba[0])}. */
    private String admittedBy = "";
    /** Admitted by {@code unix_socket_admin_user}: an admin on the console whatever admin_users says. */
    private boolean ownUserAdmin;

    LoginAuthentication(ClientSession session, Channel channel, ProxyContext context, String user, String database,
                        Consumer<ClientAuthenticator.Step> onStep) {
        this.session = session;
        this.channel = channel;
        this.context = context;
        this.user = user;
        this.database = database;
        this.onStep = onStep;
    }

    String admittedBy() {
        return admittedBy;
    }

    /** Whether the client was let in to the console as pgmux's own OS user ({@code unix_socket_admin_user}). */
    boolean ownUserAdmin() {
        return ownUserAdmin;
    }

    /** The session moves to Authenticating; the exchange starts now, or when the rules and the secret are known. */
    void begin() {
        PgmuxConfig config = context.config();
        boolean unixSocket = PeerUsers.isUnixSocket(channel);
        if (unixSocket && AdminConsole.isConsoleDatabase(database) && user.equals(config.unixSocket().adminUser())
                && PeerUsers.isOwnUser(channel)) {
            admittedBy = "own OS user (unix_socket_admin_user)";
            ownUserAdmin = true;
            session.moveTo(new Authenticating(null)); // decided at once: no password message is read
            onStep.accept(new ClientAuthenticator.Success(null, null));
            return;
        }
        if (unixSocket && config.unixSocket().auth() == UnixSocketAuth.PEER) {
            admittedBy = "peer (unix_socket_auth)";
            session.moveTo(new Authenticating(null)); // decided at once: no password message is read
            onStep.accept(PeerAuthentication.check(channel, user));
            return;
        }
        Authenticating authenticating = new Authenticating(new ClientAuthenticator(user, context.credentials(), session.tls().channelBinding()));
        session.moveTo(authenticating);
        List<HbaRule> rules = config.hba().effectiveRules();
        if (rules == null) {
            admittedBy = (config.clientAuth().yamlName() + " (client_auth)").intern(); // one copy for all clients
            authenticate(config, authenticating, config.clientAuth());
            return;
        }
        InetAddress address = clientAddress();
        if (address == null && !unixSocket) {
            session.fatal(noHbaEntry("(unknown)"));
            return;
        }
        HbaCheck.Connection connection = new HbaCheck.Connection(database, user, address, isTls(), unixSocket,
                session.login().replication() == Replication.PHYSICAL);
        HbaCheck.firstMatch(rules, connection, group -> isMember(config, group)).whenComplete((rule, failure) ->
                session.executor().execute(() -> {
                    if (session.state() != authenticating) {
                        return; // gone, or timed out, meanwhile
                    }
                    if (failure != null) {
                        lookupFailed("check the HBA rules for", failure);
                    } else {
                        onHbaRule(config, authenticating, rule, address == null ? "[local]" : address.getHostAddress());
                    }
                }));
    }

    private InetAddress clientAddress() {
        return channel.remoteAddress() instanceof InetSocketAddress inet ? inet.getAddress() : null;
    }

    /**
     * The login failed: the client gets {@code error} after the wait its address has earned by
     * failing before (see {@link FailedLogins}), scheduled on this loop, reading nothing meanwhile.
     * One log line per address per minute says how many failed.
     */
    void failed(ErrorResponse error, String reason) {
        log.debug("c{} [{}] authentication failed: {}", session.id(), session.poolName(), ClientText.text(reason));
        InetAddress address = clientAddress();
        AuthFailureLimits limits = context.config().authFailures();
        FailedLogins.Outcome outcome = address == null ? null
                : context.sessions().failedLogins().onFailure(address, limits.delay(), limits.maxDelay());
        if (outcome != null && outcome.logNow()) {
            log.info("c{} [{}] login from {} failed: {} ({} failed logins from this address in the last minute; this one"
                    + " waits {} for its error)", session.id(), session.poolName(), address.getHostAddress(), ClientText.text(reason),
                    outcome.failures(), Units.formatDuration(outcome.delay()));
        }
        if (outcome == null || outcome.delay().isZero()) {
            session.fatal(error);
            return;
        }
        SessionState failing = session.state();
        channel.config().setAutoRead(false);
        channel.eventLoop().schedule(() -> {
            if (session.state() == failing) {
                session.fatal(error);
            }
        }, outcome.delay().toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Whether the client came over TLS: hostssl and hostnossl rules go by it. */
    private boolean isTls() {
        return channel.pipeline().get(SslHandler.class) != null;
    }

    /**
     * Asked of the server of the client's database; for the admin console, which has none, and for
     * a database pgmux does not serve (the client learns that only after its password), of the
     * upstream's database "postgres", else of the first listed database (roles are the cluster's).
     */
    private CompletableFuture<Boolean> isMember(PgmuxConfig config, String group) {
        Optional<DatabaseConfig> db = (AdminConsole.isConsoleDatabase(database) ? Optional.<DatabaseConfig>empty()
                : config.database(database)).or(() -> config.database("postgres"))
                .or(() -> config.databases().values().stream().findFirst());
        if (db.isEmpty()) {
            return CompletableFuture.failedFuture(new AuthLookupException("no server to ask about group \"" + group + "\""));
        }
        return context.roleSecrets().isMember(config, db.get(), user, group);
    }

    /** {@code host} as Postgres names the client in its messages: its IP, or {@code [local]} on the Unix socket. */
    private void onHbaRule(PgmuxConfig config, Authenticating authenticating, HbaRule rule, String host) {
        if (rule == null) {
            failed(noHbaEntry(host), "no hba rule matches");
            return;
        }
        if (rule.method() == HbaMethod.REJECT) {
            failed(ErrorResponse.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION, "pg_hba.conf rejects connection for host \""
                    + host + "\", user \"" + ClientText.name(user) + "\", database \"" + ClientText.name(database)
                    + "\", " + encryption()), "refused by hba rule " + rule.source());
            return;
        }
        admittedBy = HbaCheck.describe(rule).intern(); // one copy for all clients
        ClientAuthenticator.Failure certificate = CertificateLogin.check(rule, session.tls(), config.hba().identMaps(), user);
        if (certificate != null) {
            onStep.accept(certificate);
        } else if (rule.method() == HbaMethod.CERT) {
            onStep.accept(new ClientAuthenticator.Success(null, null));
        } else if (rule.method() == HbaMethod.PEER) {
            onStep.accept(PeerAuthentication.check(channel, user, config.hba().identMaps(), rule.options().map()));
        } else {
            authenticate(config, authenticating, rule.method().authMethod());
        }
    }

    /** Postgres's words when no rule matches. */
    private ErrorResponse noHbaEntry(String host) {
        if (session.login().replication() == Replication.PHYSICAL) { // as Postgres words it: no database is named
            return ErrorResponse.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION, "no pg_hba.conf entry for replication "
                    + "connection from host \"" + host + "\", user \"" + ClientText.name(user) + "\", " + encryption());
        }
        return ErrorResponse.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION, "no pg_hba.conf entry for host \"" + host
                + "\", user \"" + ClientText.name(user) + "\", database \"" + ClientText.name(database) + "\", " + encryption());
    }

    private String encryption() {
        return isTls() ? "SSL encryption" : "no encryption";
    }

    /** Starts the exchange with {@code method}, once the user's secret is known (looked up first if need be). */
    private void authenticate(PgmuxConfig config, Authenticating authenticating, AuthMethod method) {
        ClientAuthenticator authenticator = authenticating.authenticator();
        authenticator.useMethod(method);
        Optional<DatabaseConfig> lookupDatabase = lookupDatabase(config);
        boolean authUser = lookupDatabase.map(db -> user.equals(config.authQuery(db).user())).orElse(false);
        if (method == AuthMethod.TRUST && !config.hba().trustAdmits(user) && !authUser) {
            authenticator.trustOnlyIfFound(); // the auth_user itself is admitted, as PgBouncer's trust does
        }
        if (authenticator.needsLookup() && lookupDatabase.map(db -> config.authQuery(db).enabled()).orElse(false)) {
            lookUpSecret(config, authenticating, lookupDatabase.get());
            return;
        }
        onStep.accept(authenticator.start());
    }

    /**
     * The database whose auth_query settings look the user up: the client's; for the admin console,
     * which has none, the database the global auth_dbname names (as PgBouncer), if it is listed.
     */
    private Optional<DatabaseConfig> lookupDatabase(PgmuxConfig config) {
        if (!AdminConsole.isConsoleDatabase(database)) {
            return config.database(database);
        }
        String authDbname = config.authQuery().dbname();
        return authDbname == null ? Optional.empty() : Optional.ofNullable(config.databases().get(authDbname));
    }

    /** The client cannot be checked: a lookup in Postgres failed or took too long. */
    private void lookupFailed(String what, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        log.warn("c{} [{}] cannot {} the user: {}", session.id(), session.poolName(), what, cause.getMessage());
        session.fatal(ErrorResponse.fatal(SqlState.CONNECTION_FAILURE, "pgmux cannot " + what + " user \""
                + ClientText.name(user) + "\": " + ClientText.text(cause.getMessage()))
                .withHint("pgmux asks Postgres as auth_user; see the pgmux log."));
    }

    /**
     * The user is not in the config: auth_query looks its secret up, off this loop; the exchange
     * starts when the answer is back, if the client is still logging in by then.
     */
    private void lookUpSecret(PgmuxConfig config, Authenticating authenticating, DatabaseConfig db) {
        String authDbname = config.authQuery(db).dbname();
        if (authDbname != null && config.databases().containsKey(authDbname) && context.pools().isDisabled(authDbname)) {
            log.info("c{} [{}] refused: its authentication database {} is disabled (DISABLE)", session.id(), session.poolName(),
                    ClientText.name(authDbname));
            session.fatal(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "authentication database \""
                    + ClientText.name(authDbname) + "\" is disabled")
                    .withHint("An admin ran DISABLE on it; ENABLE in the admin console lets auth_query logins in again."));
            return;
        }
        context.roleSecrets().lookup(config, db, user).whenComplete((secret, failure) -> session.executor().execute(() -> {
            if (session.state() != authenticating) {
                return; // gone, or timed out, meanwhile
            }
            if (failure != null) {
                lookupFailed("check the password of", failure);
                return;
            }
            authenticating.authenticator().useLookedUp(secret);
            onStep.accept(authenticating.authenticator().start());
        }));
    }

    /** The client proved itself: its address starts again (see {@link FailedLogins}). */
    void succeeded() {
        InetAddress address = clientAddress();
        if (address != null) {
            context.sessions().failedLogins().onSuccess(address);
        }
    }
}
