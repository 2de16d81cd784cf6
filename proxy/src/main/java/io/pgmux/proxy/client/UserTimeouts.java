package io.pgmux.proxy.client;

import io.pgmux.proxy.config.PgmuxConfig;
import io.pgmux.proxy.config.TimeoutsConfig;
import io.pgmux.proxy.config.UserConfig;

import java.util.HashMap;
import java.util.Map;

/**
 * The client timeouts of one config, per user: the global ones, and for each user that sets any of
 * its own under {@code users} those in their place. Made once per config (see {@link #isOf}), not per sweep.
 */
public final class UserTimeouts {
    private final PgmuxConfig config;
    private final TimeoutsConfig global;
    private final Map<String, TimeoutsConfig> own;

    private UserTimeouts(PgmuxConfig config, TimeoutsConfig global, Map<String, TimeoutsConfig> own) {
        this.config = config;
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
        return new UserTimeouts(config, global, own);
    }

    /** Whether these are the timeouts of {@code config} (a reload or an admin SET makes a new one). */
    public boolean isOf(PgmuxConfig config) {
        return this.config == config;
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
