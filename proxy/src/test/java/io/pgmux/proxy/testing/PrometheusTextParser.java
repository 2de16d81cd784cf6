package io.pgmux.proxy.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A strict little parser of Prometheus' text exposition format (0.0.4), for tests: {@code # HELP} and
 * {@code # TYPE} lines, and samples {@code name{label="value",...} value}. It fails on anything it
 * does not understand, on a sample whose family has no TYPE before it, and on a family declared twice.
 */
public final class PrometheusTextParser {
    /** One sample line. */
    public record Sample(String name, Map<String, String> labels, double value) {}

    /** The parsed exposition: families' types and help texts, and samples in order. */
    public record Exposition(Map<String, String> types, Map<String, String> help, List<Sample> samples) {

        /** Samples of metric {@code name} whose labels include all of {@code labels} (name, value, ...). */
        public List<Sample> find(String name, String... labels) {
            List<Sample> found = new ArrayList<>();
            for (Sample sample : samples) {
                if (sample.name().equals(name) && matches(sample.labels(), labels)) {
                    found.add(sample);
                }
            }
            return found;
        }

        /** The one sample matching, or empty. */
        public Optional<Double> value(String name, String... labels) {
            List<Sample> found = find(name, labels);
            if (found.size() > 1) {
                throw new AssertionError("several samples of " + name + " " + List.of(labels) + ": " + found);
            }
            return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0).value());
        }

        private static boolean matches(Map<String, String> actual, String... labels) {
            for (int i = 0; i < labels.length; i += 2) {
                if (!labels[i + 1].equals(actual.get(labels[i]))) {
                    return false;
                }
            }
            return true;
        }
    }

    private PrometheusTextParser() {
    }

    public static Exposition parse(String text) {
        Map<String, String> types = new LinkedHashMap<>();
        Map<String, String> help = new HashMap<>();
        List<Sample> samples = new ArrayList<>();
        int lineNumber = 0;
        for (String line : text.split("\n", -1)) {
            lineNumber++;
            if (line.isEmpty()) {
                continue;
            }
            String where = "line " + lineNumber + ": " + line;
            if (line.startsWith("# HELP ")) {
                String[] parts = line.substring(7).split(" ", 2);
                if (help.put(parts[0], parts.length > 1 ? parts[1] : "") != null) {
                    throw new AssertionError("HELP twice for " + parts[0] + " at " + where);
                }
            } else if (line.startsWith("# TYPE ")) {
                String[] parts = line.substring(7).split(" ");
                if (parts.length != 2 || !List.of("counter", "gauge", "histogram", "summary", "untyped").contains(parts[1])) {
                    throw new AssertionError("bad TYPE at " + where);
                }
                if (types.put(parts[0], parts[1]) != null) {
                    throw new AssertionError("TYPE twice for " + parts[0] + " at " + where);
                }
            } else if (line.startsWith("#")) {
                continue;
            } else {
                Sample sample = sample(line, where);
                String family = family(sample.name(), types);
                if (family == null) {
                    throw new AssertionError("sample without a TYPE before it at " + where);
                }
                samples.add(sample);
            }
        }
        return new Exposition(types, help, samples);
    }

    private static String family(String name, Map<String, String> types) {
        if (types.containsKey(name)) {
            return name;
        }
        for (String suffix : List.of("_bucket", "_sum", "_count")) {
            if (name.endsWith(suffix)) {
                String base = name.substring(0, name.length() - suffix.length());
                if ("histogram".equals(types.get(base)) || "summary".equals(types.get(base))) {
                    return base;
                }
            }
        }
        return null;
    }

    private static Sample sample(String line, String where) {
        int i = 0;
        while (i < line.length() && (Character.isLetterOrDigit(line.charAt(i)) || line.charAt(i) == '_' || line.charAt(i) == ':')) {
            i++;
        }
        String name = line.substring(0, i);
        if (name.isEmpty() || Character.isDigit(name.charAt(0))) {
            throw new AssertionError("bad metric name at " + where);
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String label = line.substring(i, eq);
                if (!label.matches("[a-zA-Z_][a-zA-Z0-9_]*") || line.charAt(eq + 1) != '"') {
                    throw new AssertionError("bad label at " + where);
                }
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                while (line.charAt(j) != '"') {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char next = line.charAt(++j);
                        value.append(switch (next) {
                            case 'n' -> '\n';
                            case '\\' -> '\\';
                            case '"' -> '"';
                            default -> throw new AssertionError("bad escape at " + where);
                        });
                    } else {
                        value.append(c);
                    }
                    j++;
                }
                if (labels.put(label, value.toString()) != null) {
                    throw new AssertionError("label twice at " + where);
                }
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        if (i >= line.length() || line.charAt(i) != ' ') {
            throw new AssertionError("no value at " + where);
        }
        String[] rest = line.substring(i + 1).split(" ");
        double value = switch (rest[0]) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(rest[0]);
        };
        return new Sample(name, labels, value);
    }
}
