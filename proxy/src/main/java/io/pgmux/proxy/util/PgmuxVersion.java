package io.pgmux.proxy.util;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The version Maven wrote into {@code io/pgmux/proxy/version.properties}, as {@code --version}, the
 * admin console's welcome, SHOW VERSION and the metrics report it.
 */
public final class PgmuxVersion {
    private static final String RESOURCE = "/io/pgmux/proxy/version.properties";
    private static final String VERSION = read();

    /** For example {@code 0.1.0}; {@code unknown} when the resource is missing or was not filtered. */
    public static String current() {
        return VERSION;
    }

    private PgmuxVersion() {
    }

    private static String read() {
        try (InputStream in = PgmuxVersion.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return "unknown";
            }
            Properties properties = new Properties();
            properties.load(in);
            String version = properties.getProperty("version", "").strip();
            return version.isEmpty() || version.startsWith("${") ? "unknown" : version;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
