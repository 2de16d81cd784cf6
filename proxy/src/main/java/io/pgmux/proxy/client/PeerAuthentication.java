package io.pgmux.proxy.client;

import io.netty.channel.Channel;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.auth.UserNameMap;
import io.pgmux.proxy.config.IdentMaps;
import io.pgmux.proxy.net.PeerUsers;
import io.pgmux.proxy.util.ClientText;

import java.util.OptionalInt;

/**
 * Postgres's {@code peer} method for clients on the Unix domain socket ({@code unix_socket_auth: peer},
 * or a {@code local} HBA rule with method peer): the OS user the kernel reports for the client's
 * process must be the user it logs in as, or map to it through the rule's {@code map}. Fails as
 * Postgres does, with 28000 "Peer authentication failed for user".
 */
final class PeerAuthentication {
    private PeerAuthentication() {
    }

    static ClientAuthenticator.Step check(Channel channel, String user) {
        return check(channel, user, IdentMaps.none(), null);
    }

    /** As above, with the OS user mapped through {@code map} of {@code maps} (null: it must be the user). */
    static ClientAuthenticator.Step check(Channel channel, String user, IdentMaps maps, String map) {
        OptionalInt uid = PeerUsers.uid(channel);
        if (uid.isEmpty()) {
            return failure(user, "the kernel did not say which user runs the client");
        }
        String osUser = PeerUsers.name(uid.getAsInt());
        if (osUser == null) {
            return failure(user, "no user name for uid " + uid.getAsInt() + " in /etc/passwd");
        }
        if (!UserNameMap.permits(maps, map, osUser, user)) {
            return failure(user, "the client runs as the OS user \"" + osUser + "\" (uid " + uid.getAsInt() + ")"
                    + (map == null ? "" : ", which map \"" + map + "\" does not map to this user"));
        }
        return new ClientAuthenticator.Success(null, null);
    }

    private static ClientAuthenticator.Failure failure(String user, String reason) {
        return new ClientAuthenticator.Failure(ErrorResponse.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                "Peer authentication failed for user \"" + ClientText.name(user) + "\""), "peer: " + reason);
    }
}
