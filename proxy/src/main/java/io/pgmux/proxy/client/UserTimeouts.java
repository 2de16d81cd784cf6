package io.pgmux.proxy.client;

import io.pgmux.proxy.config.PgmuxConfig;
import io.pgmux.proxy.config.TimeoutsConfig;
import io.pgmux.proxy.config.UserConfig;

import java.util.HashMap;
import java.util.Map;

/**
 * The client timeouts of one config, per user: the global ones, and for each user that sets any of
 * its own under {@code users} those in their place. Made once per sweep of the timeouts.
 */
public final class UserTimeouts {
    private final TimeoutsConfig global;
    private final Map<String, TimeoutsConfig> own;

    private UserTimeouts(TimeoutsConfig global, Map<String, TimeoutsConfig> own) {
        this.global = global;
        this.own = own;
    }

    public static UserTimeouts of(PgmuxConfig config) {
        TimeoutsConfig global = config.timeouts();
        Map<String, TimeoutsConfig> own = new HashMap<>();
        for (UserConfig user : config.users().values()) {
            if (user.settings().anyTimeout()) {
                own.put(user.name(), user.settings().timeouts(global));
            }
        }
        return new UserTimeouts(global, own);
    }

    /** Whether any timeout is on, globally or for some user (else a sweep has nothing to do). */
    public boolean anyOn() {
        return global.anyClientTimeout() || own.values().stream().anyMatch(TimeoutsConfig::anyClientTimeout);
    }

    /** The timeouts of {@code user} (null: the global ones). */
    TimeoutsConfig of(String user) {
        return user == null ? global : own.getOrDefault(user, global);
    }
}
