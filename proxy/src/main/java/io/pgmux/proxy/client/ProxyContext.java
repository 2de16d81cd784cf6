package io.pgmux.proxy.client;

import io.pgmux.proxy.admin.Control;
import io.pgmux.proxy.auth.RoleSecrets;
import io.pgmux.proxy.config.PgmuxConfig;
import io.pgmux.proxy.peer.PeerBudget;
import io.pgmux.proxy.peer.PeerCancels;
import io.pgmux.proxy.pool.PoolRegistry;

import java.time.Duration;
import java.util.Objects;

/**
 * What every client session shares: the config, the pools, the credentials, the other sessions and
 * the server's controls (for the admin console). The config and the credentials change at reload;
 * a session reads them when it needs them, so new logins see the new values.
 */
public final class ProxyContext {
    private final PoolRegistry pools;
    private final SessionRegistry sessions;
    private final Control control;
    private volatile PgmuxConfig config;
    private volatile ClientCredentials credentials;
    private volatile ClientTlsSetup clientTls;
    private final RoleSecrets roleSecrets;
    private volatile PeerCancels peerCancels = PeerCancels.off();
    private volatile PeerBudget peerBudget;

    public ProxyContext(PgmuxConfig config, PoolRegistry pools, SessionRegistry sessions, Control control) {
        this(config, pools, sessions, control, null);
    }

    /** {@code roleSecrets} looks up users not in the config ({@code auth_query}); null = never asked. */
    public ProxyContext(PgmuxConfig config, PoolRegistry pools, SessionRegistry sessions, Control control,
                        RoleSecrets roleSecrets) {
        this.roleSecrets = roleSecrets;
        this.pools = pools;
        this.sessions = sessions;
        this.control = Objects.requireNonNull(control, "control");
        update(config);
        clientTls = new ClientTlsSetup(config.clientTls(), null, null, "off until loaded");
    }

    public PgmuxConfig config() {
        return config;
    }

    public ClientCredentials credentials() {
        return credentials;
    }

    /** The secrets auth_query found, and their lookups. */
    public RoleSecrets roleSecrets() {
        return roleSecrets;
    }

    public PoolRegistry pools() {
        return pools;
    }

    public SessionRegistry sessions() {
        return sessions;
    }

    /** {@code client_login_timeout} as configured now. */
    public Duration loginTimeout() {
        return config.loginLimits().clientLoginTimeout();
    }

    public Control control() {
        return control;
    }

    /** What new client connections use for TLS; TLS off until {@link #updateClientTls}. */
    public ClientTlsSetup clientTls() {
        return clientTls;
    }

    /** Loaded at start and at each reload: connections whose TLS starts from now on use it. */
    public void updateClientTls(ClientTlsSetup setup) {
        clientTls = Objects.requireNonNull(setup, "setup");
    }

    /** Where cancels for other replicas' keys go; off (nothing forwarded) until set. */
    public PeerCancels peerCancels() {
        return peerCancels;
    }

    /** Set once at start, when this replica has a {@code peer_id}. */
    public void usePeers(PeerCancels cancels) {
        peerCancels = Objects.requireNonNull(cancels, "cancels");
    }

    /** The shared server budget's exchange with the peers; null when peering is off. */
    public PeerBudget peerBudget() {
        return peerBudget;
    }

    /** Set once at start, when this replica has a {@code peer_id}. */
    public void usePeerBudget(PeerBudget budget) {
        peerBudget = Objects.requireNonNull(budget, "budget");
    }

    /** A reloaded config: applies to logins from now on. */
    public void update(PgmuxConfig newConfig) {
        credentials = ClientCredentials.from(newConfig.users());
        config = newConfig;
        if (roleSecrets != null) {
            roleSecrets.onReload(newConfig);
        }
    }
}
