package io.pgmux.proxy.backend;

import io.pgmux.protocol.auth.ScramSecret;
import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.config.ServerTlsConfig;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Where a new server connection goes and as whom it logs in: the Postgres address, the database and
 * user named in its StartupMessage, and the password ({@code null}, plaintext or an md5 secret).
 * {@code connectTimeout} bounds the TCP connect and, separately, the start of TLS (SSLRequest
 * and handshake) and the login; zero means no bound. {@code tls} says whether and how the connection uses TLS.
 * {@code passThrough}, when there is no password, is what a client of that user proved to pgmux
 * (see {@link PassThrough}); null if none. {@code connectQuery} runs once the login is done, before
 * the connection is ready ("" or null = none: {@code connect_query}). {@code startup} are more
 * StartupMessage parameters after user and database: empty for a pooled server; a replication
 * client's own server gets the client's ({@code replication}, {@code options}, settings), since it is
 * never shared. {@code alternates} are the hosts to try, in turn, when {@code server} cannot be
 * reached (its name does not resolve or no address accepts).
 */
public record ServerTarget(HostPort server, String database, String user, String password, Duration connectTimeout,
                           ServerTlsConfig tls, PassThrough passThrough, String connectQuery, Map<String, String> startup,
                           List<HostPort> alternates) {

    public ServerTarget {
        startup = Map.copyOf(startup);
        alternates = alternates == null ? List.of() : List.copyOf(alternates);
    }

    /** A pooled server's: no startup parameters but user and database, no other host to try. */
    public ServerTarget(HostPort server, String database, String user, String password, Duration connectTimeout,
                        ServerTlsConfig tls, PassThrough passThrough, String connectQuery) {
        this(server, database, user, password, connectTimeout, tls, passThrough, connectQuery, Map.of(), List.of());
    }

    /** Without pass-through and {@code connect_query}. */
    public ServerTarget(HostPort server, String database, String user, String password, Duration connectTimeout,
                        ServerTlsConfig tls) {
        this(server, database, user, password, connectTimeout, tls, null, null);
    }

    /**
     * The same target logging in with what a client proved, unless it has a password of its own
     * that can log in (a SCRAM verifier, as {@code users} may give, cannot).
     */
    public ServerTarget withPassThrough(PassThrough learned) {
        if (canLogIn(password) || learned == null) {
            return this;
        }
        return new ServerTarget(server, database, user, learned.password(), connectTimeout, tls, learned, connectQuery,
                startup, alternates);
    }

    /**
     * The same target with {@code parameters} added to its StartupMessage (a replication client's, see
     * {@link #startup}), and no {@code connect_query}: a physical replication connection runs no SQL.
     */
    public ServerTarget withStartup(Map<String, String> parameters) {
        return new ServerTarget(server, database, user, password, connectTimeout, tls, passThrough, null, parameters,
                alternates);
    }

    /** The same login to {@code hosts[0]}, then to the others in their order if it cannot be reached. */
    public ServerTarget startingAt(List<HostPort> hosts) {
        return new ServerTarget(hosts.get(0), database, user, password, connectTimeout, tls, passThrough, connectQuery,
                startup, hosts.subList(1, hosts.size()));
    }

    /** The same login to the first alternate host; only when there is one. */
    public ServerTarget nextHost() {
        return startingAt(alternates);
    }

    /** Whether {@code password} can answer a server by itself: plaintext or an md5 secret, not a SCRAM verifier. */
    public static boolean canLogIn(String password) {
        return password != null && !ScramSecret.isSecret(password);
    }

    /** Never shows the password. */
    @Override
    public String toString() {
        return "ServerTarget[" + user + "@" + server + "/" + database + "]";
    }
}
