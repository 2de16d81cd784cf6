package io.pgmux.proxy.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import io.pgmux.proxy.config.LogFormat;
import io.pgmux.proxy.config.LogLevel;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code log.level} and {@code log.format} to pgmux's own logging setup: the console
 * appender named {@value #APPENDER} in the bundled {@code logback.xml}. When that appender is not
 * there (a custom {@code -Dlogback.configurationFile}, or the tests' setup), nothing is changed: the
 * operator's file decides. The system property {@code pgmux.log.level}, when set, wins over
 * {@code log.level} (handy for a one-off debug run).
 */
public final class LogSettings {
    public static final String APPENDER = "PGMUX";
    /** The plain format; the same pattern as logback.xml. */
    static final String PLAIN_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{0} - %msg"
            + "%replace(%replace(%replace(%ex){'\\s+$', ''}){'\\s*[\\r\\n]+\\s*', ' | '}){'^(?=.)', ' '}%nopex%n";

    private LogSettings() {
    }

    /** Returns false when pgmux's appender is not in use and nothing was changed. */
    public static synchronized boolean apply(LogLevel level, LogFormat format) {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext context)) {
            return false;
        }
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Appender<ILoggingEvent> appender = root.getAppender(APPENDER);
        if (!(appender instanceof OutputStreamAppender<ILoggingEvent> console)) {
            return false;
        }
        String override = System.getProperty("pgmux.log.level");
        root.setLevel(Level.toLevel(override != null && !override.isBlank() ? override : level.yamlName(), Level.INFO));
        boolean json = console.getEncoder() instanceof JsonLinesEncoder;
        if (json != (format == LogFormat.JSON)) {
            Encoder<ILoggingEvent> encoder = format == LogFormat.JSON ? new JsonLinesEncoder() : plainEncoder(context);
            encoder.setContext(context);
            encoder.start();
            console.setEncoder(encoder);
        }
        return true;
    }

    private static Encoder<ILoggingEvent> plainEncoder(LoggerContext context) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PLAIN_PATTERN);
        return encoder;
    }
}
