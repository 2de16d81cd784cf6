package io.pgmux.proxy.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

import picocli.CommandLine.IVersionProvider;

/** The version Maven wrote into {@code io/pgmux/proxy/version.properties}. */
public final class PgmuxVersion implements IVersionProvider {
    private static final String RESOURCE = "/io/pgmux/proxy/version.properties";
    private static final String VERSION = read();

    /** For example {@code 0.1.0}; {@code unknown} when the resource is missing or was not filtered. */
    public static String current() {
        return VERSION;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"pgmux " + VERSION};
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
