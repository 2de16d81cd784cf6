package io.pgmux.proxy.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Who may use the admin console, where the HTTP endpoint listens, and how pgmux reports on itself.
 *
 * @param adminUsers  YAML {@code admin_users}: may run every admin console command
 * @param statsUsers  YAML {@code stats_users}: may run the console's SHOW commands
 * @param httpListen  YAML {@code http.listen}: the /metrics, /healthz and /readyz endpoint; null = none
 * @param statsPeriod YAML {@code stats_period}: how often averages and the per-pool log line are
 *                    computed, and the length of the sliding window behind the latency percentiles
 * @param logLevel    YAML {@code log.level}
 * @param logFormat   YAML {@code log.format}
 */
public record ObservabilityConfig(List<String> adminUsers, List<String> statsUsers, HostPort httpListen,
                                  Duration statsPeriod, LogLevel logLevel, LogFormat logFormat,
                                  boolean applicationNameAddHost) {

    public static final HostPort DEFAULT_HTTP_LISTEN = new HostPort("127.0.0.1", 9127);

    /** Without {@code application_name_add_host}. */
    public ObservabilityConfig(List<String> adminUsers, List<String> statsUsers, HostPort httpListen,
                               Duration statsPeriod, LogLevel logLevel, LogFormat logFormat) {
        this(adminUsers, statsUsers, httpListen, statsPeriod, logLevel, logFormat, false);
    }

    public ObservabilityConfig {
        adminUsers = List.copyOf(adminUsers);
        statsUsers = List.copyOf(statsUsers);
        Objects.requireNonNull(statsPeriod, "statsPeriod");
        Objects.requireNonNull(logLevel, "logLevel");
        Objects.requireNonNull(logFormat, "logFormat");
        if (statsPeriod.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("statsPeriod must be at least 1s");
        }
    }

    /** The defaults {@link ConfigKeys} declares. */
    public static ObservabilityConfig defaults() {
        return PgmuxConfig.defaults().observability();
    }
}
