package io.pgmux.proxy.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;

import io.pgmux.proxy.util.JsonText;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * Log events as JSON lines, one object per line, for log collectors:
 * {@code {"time":"2026-01-02T03:04:05.678Z","level":"INFO","logger":"Pool","thread":"pgmux-loop-1-1",
 * "message":"[app/alice] server s1 logged in","exception":"java.io.IOException: ..."}}. The logger
 * is its simple name, as the plain format shows it; {@code exception} appears only when there is one.
 */
public final class JsonLinesEncoder extends EncoderBase<ILoggingEvent> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
            .withZone(ZoneId.systemDefault());
    private static final byte[] NOTHING = new byte[0];

    @Override
    public byte[] headerBytes() {
        return NOTHING;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        StringBuilder out = new StringBuilder(256);
        out.append("{\"time\":");
        string(out, TIME.format(Instant.ofEpochMilli(event.getTimeStamp())));
        out.append(",\"level\":");
        string(out, event.getLevel().toString());
        out.append(",\"logger\":");
        String logger = event.getLoggerName();
        string(out, logger.substring(logger.lastIndexOf('.') + 1));
        out.append(",\"thread\":");
        string(out, event.getThreadName());
        out.append(",\"message\":");
        string(out, event.getFormattedMessage());
        IThrowableProxy throwable = event.getThrowableProxy();
        if (throwable != null) {
            out.append(",\"exception\":");
            string(out, ThrowableProxyUtil.asString(throwable));
        }
        out.append("}\n");
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] footerBytes() {
        return NOTHING;
    }

    static void string(StringBuilder out, String value) {
        JsonText.quote(out, value);
    }
}
