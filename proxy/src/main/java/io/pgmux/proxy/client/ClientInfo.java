package io.pgmux.proxy.client;

import java.net.SocketAddress;

/**
 * What SHOW CLIENTS shows of one client session, taken on the session's own event loop.
 *
 * @param state       {@code login} (before the welcome), {@code idle}, {@code waiting} (for a server),
 *                    {@code active} (holding one, or on the admin console)
 * @param waitNanos   how long it has been waiting, when {@code waiting}
 * @param serverId    the server connection it holds, or -1
 * @param requestAtMillis when it last asked for a server (its connect time if never)
 * @param preparedStatements the named prepared statements it holds now
 * @param pinnedBy    the session features that pin it to its server ({@code listen,advisory_lock}), "" when none
 * @param tls         its TLS protocol and cipher ({@code TLSv1.3/TLS_AES_256_GCM_SHA384}), "" when plain
 * @param admittedBy  the method it proved itself with and the rule that chose it: {@code scram-sha-256 (hba[1])},
 *                    {@code md5 (client_auth)}
 * @param unsentBytes what was written to the client and not sent yet (SHOW SOCKETS' send_avail)
 */
public record ClientInfo(long id, String user, String database, String state, SocketAddress remoteAddress,
                         SocketAddress localAddress, long connectedAtMillis, long requestAtMillis, long waitNanos,
                         long serverId, String applicationName, int preparedStatements, String pinnedBy,
                         String tls, String admittedBy, long unsentBytes, String replication) {

    /** What SHOW CLIENTS calls a session in {@code state}: see {@code state} above, or {@code closing}. */
    static String stateName(SessionState state) {
        if (state instanceof SessionState.AwaitingStartup || state instanceof SessionState.Authenticating
                || state instanceof SessionState.Validating || state instanceof SessionState.Waiting w && w.forWelcome()) {
            return "login";
        } else if (state instanceof SessionState.Waiting) {
            return "waiting";
        } else if (state instanceof SessionState.Replicating replicating) {
            return replicating.link().relaying() ? "active" : "waiting";
        } else if (state instanceof SessionState.Linked || state instanceof SessionState.Admin) {
            return "active";
        } else if (state instanceof SessionState.Idle || state instanceof SessionState.FailedUntilSync) {
            return "idle";
        }
        return "closing";
    }
}
