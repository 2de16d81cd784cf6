package io.pgmux.proxy.backend;

import io.pgmux.protocol.auth.ScramSecret;
import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.config.ServerTlsConfig;

import java.time.Duration;
import java.util.List;

/**
 * Where a new server connection goes and as whom it logs in: the Postgres address, the database and
 * user named in its StartupMessage, and the password ({@code null}, plaintext or an md5 secret).
 * {@code connectTimeout} bounds the TCP connect and, separately, the start of TLS (SSLRequest
 * and handshake) and the login; zero means no bound. {@code tls} says whether and how the connection uses TLS.
 * {@code passThrough}, when there is no password, is what a client of that user proved to pgmux
 * (see {@link PassThrough}); null if none. {@code alternates} are the hosts to try, in turn, when
 * {@code server} cannot be reached (its name does not resolve or no address accepts).
 */
public record ServerTarget(HostPort server, String database, String user, String password, Duration connectTimeout,
                           ServerTlsConfig tls, PassThrough passThrough, List<HostPort> alternates) {

    public ServerTarget {
        alternates = alternates == null ? List.of() : List.copyOf(alternates);
    }

    /** With no other host to try. */
    public ServerTarget(HostPort server, String database, String user, String password, Duration connectTimeout,
                        ServerTlsConfig tls, PassThrough passThrough) {
        this(server, database, user, password, connectTimeout, tls, passThrough, List.of());
    }

    /** Without pass-through. */
    public ServerTarget(HostPort server, String database, String user, String password, Duration connectTimeout,
                        ServerTlsConfig tls) {
        this(server, database, user, password, connectTimeout, tls, null);
    }

    /**
     * The same target logging in with what a client proved, unless it has a password of its own
     * that can log in (a SCRAM verifier, as {@code users} may give, cannot).
     */
    public ServerTarget withPassThrough(PassThrough learned) {
        if (canLogIn(password) || learned == null) {
            return this;
        }
        return new ServerTarget(server, database, user, learned.password(), connectTimeout, tls, learned, alternates);
    }

    /** The same login to {@code hosts[0]}, then to the others in their order if it cannot be reached. */
    public ServerTarget startingAt(List<HostPort> hosts) {
        return new ServerTarget(hosts.get(0), database, user, password, connectTimeout, tls, passThrough,
                hosts.subList(1, hosts.size()));
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
