package io.pgmux.proxy.fuzz;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Collects, from the root logger, the log events bad input must never cause: ERROR lines, and any
 * line with a stack trace. WARN lines without one are fine (one line per protocol violation).
 */
final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final ConcurrentLinkedQueue<ILoggingEvent> events = new ConcurrentLinkedQueue<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);

    static LogCapture attach() {
        LogCapture capture = new LogCapture();
        capture.setName("fuzz-capture");
        capture.setContext(capture.root.getLoggerContext());
        capture.start();
        capture.root.addAppender(capture);
        return capture;
    }

    @Override
    protected void append(ILoggingEvent event) {
        if (event.getLevel().isGreaterOrEqual(Level.ERROR) || event.getThrowableProxy() != null) {
            events.add(event);
        }
    }

    /** The lines collected since the last call, as text, and forgets them. */
    List<String> take() {
        List<String> lines = new ArrayList<>();
        for (ILoggingEvent event; (event = events.poll()) != null; ) {
            String line = event.getLevel() + " " + event.getLoggerName() + " - " + event.getFormattedMessage();
            IThrowableProxy thrown = event.getThrowableProxy();
            if (thrown != null) {
                StringBuilder where = new StringBuilder();
                for (StackTraceElementProxy frame : thrown.getStackTraceElementProxyArray()) {
                    if (frame.getStackTraceElement().getClassName().startsWith("io.pgmux") && where.length() < 400) {
                        where.append(" at ").append(frame.getStackTraceElement());
                    }
                }
                line += " [stack trace: " + thrown.getClassName() + ": " + thrown.getMessage() + where + "]";
            }
            lines.add(line);
        }
        return lines;
    }

    @Override
    public void close() {
        root.detachAppender(this);
        stop();
    }
}
