package io.pgmux.proxy.pool;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a pool remembers of its clients' settings, shared by every event loop without the pool's
 * lock: one shared copy of each set of client settings, and the setting values a server already
 * accepted, as the server spells them. Each is bounded ({@value #MAX_REMEMBERED_SETTINGS} entries):
 * past that, new ones are not remembered.
 */
final class ClientSettingsMemory {
    private static final int MAX_REMEMBERED_SETTINGS = 10_000;

    /** Client settings a server accepted, by "name=value" as the client spelled it, to the value as normalized. */
    private final Map<String, String> acceptedSettings = new ConcurrentHashMap<>();
    private final Map<Map<String, String>, Map<String, String>> internedSettings = new ConcurrentHashMap<>();

    /** See {@link Pool#internSettings}. */
    Map<String, String> intern(Map<String, String> settings) {
        if (internedSettings.size() >= MAX_REMEMBERED_SETTINGS) {
            Map<String, String> known = internedSettings.get(settings);
            return known != null ? known : settings;
        }
        return internedSettings.computeIfAbsent(settings, s -> s);
    }

    /** See {@link Pool#acceptedSetting}. */
    String accepted(String name, String value) {
        return acceptedSettings.get(settingKey(name, value));
    }

    void rememberAccepted(String name, String value, String normalized) {
        if (acceptedSettings.size() < MAX_REMEMBERED_SETTINGS) {
            acceptedSettings.put(settingKey(name, value), normalized);
        }
    }

    /** The upstream changed: what the old server accepted says nothing of the new one. */
    void forgetAccepted() {
        acceptedSettings.clear();
    }

    private static String settingKey(String name, String value) {
        return name.toLowerCase(Locale.ROOT) + '=' + value;
    }
}
