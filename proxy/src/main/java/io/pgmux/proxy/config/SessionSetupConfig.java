package io.pgmux.proxy.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How connections are set up and looked after beyond the pool sizes, under PgBouncer's names and
 * meanings: what becomes of a client's startup parameters, what a new server runs before it joins
 * its pool, when a retired server of a session-mode client closes, and when a queued client is told
 * that it waits.
 *
 * @param ignoreStartupParameters YAML {@code ignore_startup_parameters}: startup parameters (also
 *                                within {@code options}) dropped at login: never sent to a server, nor
 *                                kept for the client; names compare case-insensitively
 * @param trackExtraParameters    YAML {@code track_extra_parameters}: accepted for PgBouncer's sake;
 *                                pgmux keeps every setting a client makes (at startup, by SET, or
 *                                reported by the server) and restores it on each server it assigns
 * @param connectQuery            YAML {@code connect_query}: SQL every new server connection runs after
 *                                its login and before it joins the pool; "" = none (a database may set
 *                                its own)
 * @param serverFastClose         YAML {@code server_fast_close}: in session mode, a server that RECONNECT,
 *                                PAUSE or a reload retired is closed (with its client) at the end of
 *                                the current transaction, not at the end of the session
 * @param queryWaitNotify         YAML {@code query_wait_notify}: a client queued this long for a server
 *                                gets one NOTICE saying so; 0 = never
 */
public record SessionSetupConfig(List<String> ignoreStartupParameters, List<String> trackExtraParameters,
                                 String connectQuery, boolean serverFastClose, Duration queryWaitNotify) {

    public SessionSetupConfig {
        ignoreStartupParameters = List.copyOf(ignoreStartupParameters);
        trackExtraParameters = List.copyOf(trackExtraParameters);
        Objects.requireNonNull(connectQuery, "connectQuery");
        Objects.requireNonNull(queryWaitNotify, "queryWaitNotify");
        if (queryWaitNotify.isNegative()) {
            throw new IllegalArgumentException("queryWaitNotify must not be negative");
        }
    }

    /** The defaults {@link ConfigKeys} declares. */
    public static SessionSetupConfig defaults() {
        return PgmuxConfig.defaults().sessionSetup();
    }
}
