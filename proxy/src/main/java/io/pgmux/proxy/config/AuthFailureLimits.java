package io.pgmux.proxy.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How failed logins are slowed down, per client address.
 *
 * @param delay    YAML {@code auth_failure_delay}: the wait before a failed login's error is sent, doubling
 *                 with each further failure from the same address; 0 = none
 * @param maxDelay YAML {@code auth_failure_max_delay}: the longest wait
 */
public record AuthFailureLimits(Duration delay, Duration maxDelay) {

    public AuthFailureLimits {
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(maxDelay, "maxDelay");
    }

    public static AuthFailureLimits defaults() {
        return new AuthFailureLimits(Duration.ofMillis(200), Duration.ofSeconds(5));
    }
}
