package io.pgmux.bench.cli;

import io.pgmux.bench.load.Target;
import io.pgmux.bench.scenario.Workload;
import io.pgmux.bench.sql.Protocol;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Command-line value types. */
final class Converters {
    private Converters() {}

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)?");

    /** {@code 500ms}, {@code 15s}, {@code 2m}, {@code 1h}; a bare number is seconds. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return parseDuration(value);
        }
    }

    static Duration parseDuration(String value) {
        Matcher m = DURATION.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new TypeConversionException("'" + value + "' is not a duration (e.g. 500ms, 15s, 2m)");
        }
        double number = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double millis = switch (unit) {
            case "ms" -> number;
            case "s" -> number * 1000;
            case "m" -> number * 60_000;
            default -> number * 3_600_000;
        };
        return Duration.ofMillis(Math.round(millis));
    }

    static final class TargetConverter implements ITypeConverter<Target> {
        @Override
        public Target convert(String value) {
            try {
                return Target.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class WorkloadConverter implements ITypeConverter<Workload> {
        @Override
        public Workload convert(String value) {
            try {
                return Workload.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class ProtocolConverter implements ITypeConverter<Protocol> {
        @Override
        public Protocol convert(String value) {
            try {
                return Protocol.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code HOST:PORT} or {@code [IPv6]:PORT}. */
    static final class AddressConverter implements ITypeConverter<Target> {
        @Override
        public Target convert(String value) {
            try {
                return Target.parse("target=" + value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' is not HOST:PORT");
            }
        }
    }
}
