package io.pgmux.proxy.config;

import io.pgmux.proxy.util.JsonText;

import java.math.BigInteger;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * One YAML mapping being read into the config: knows its path, hands out typed values key by key,
 * and records an error (prefixed with the key's path) instead of throwing, so that one pass finds
 * every problem. Keys nobody asked for are reported by {@link #reportUnknownKeys()}.
 *
 * <p>Scalars are typed by the key that reads them, not by YAML 1.1's guesses: a password
 * {@code 0123}, a user {@code no} or a host {@code 10:20} are read as the text written. Integers must
 * be plain (unquoted) decimal numbers. A key whose value is empty or {@code null} reads as absent.
 * On any error a reader returns the default, so the caller can go on building.
 *
 * <p>A value may come from an environment variable instead of the file
 * ({@link #replaceFromEnvironment}); errors about it, and about anything inside it, name the
 * variable, since the operator will not find that value in the file.
 */
final class YamlSection {
    private static final Logger WARNINGS = LoggerFactory.getLogger(YamlSection.class);
    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z0-9_-]+");
    private static final Pattern INTEGER = Pattern.compile("[-+]?[0-9]+");

    private final String path;
    private final List<String> errors;
    /** The environment variable this whole section came from; null if it came from the file. */
    private final String variable;
    private final Map<String, Node> values = new LinkedHashMap<>();
    private final Set<String> consumed = new HashSet<>();
    /** The keys whose value an environment variable gave, with the variable's name. */
    private final Map<String, String> variables = new HashMap<>();

    private YamlSection(String path, List<String> errors, String variable) {
        this.path = path;
        this.errors = errors;
        this.variable = variable;
    }

    /** The document: a mapping, or empty/null (all defaults); anything else is an error. */
    static YamlSection document(Node node, List<String> errors) {
        YamlSection root = new YamlSection("", errors, null);
        if (node instanceof MappingNode mapping) {
            root.fill(mapping);
        } else if (node != null && !isNull(node)) {
            errors.add("the document must be a mapping of settings (got " + describe(node) + ")");
        }
        return root;
    }

    /** The path of {@code key} inside this section: {@code databases.app.port}. */
    String pathOf(String key) {
        String name = PLAIN_NAME.matcher(key).matches() ? key : quote(key);
        return path.isEmpty() ? name : path + "." + name;
    }

    /** Records an error about {@code key}. */
    void error(String key, String message) {
        errors.add(pathOf(key) + ": " + message + from(variables.getOrDefault(key, variable)));
    }

    /**
     * Logs a warning about {@code key}: the config is used all the same (a user entry that cannot
     * log in makes only that user's logins fail, as in Postgres and PgBouncer).
     */
    void warn(String key, String message) {
        WARNINGS.warn("config: {}: {}{}", pathOf(key), message, from(variables.getOrDefault(key, variable)));
    }

    /** Records an error about this section as a whole. */
    void error(String message) {
        errors.add((path.isEmpty() ? "config" : path) + ": " + message + from(variable));
    }

    /**
     * Puts {@code node} in place of the file's value of {@code key} (or adds it): the value of the
     * environment variable {@code name}, which errors about the key then mention.
     */
    void replaceFromEnvironment(String key, Node node, String name) {
        values.put(key, node);
        variables.put(key, name);
    }

    /** The keys of this mapping, in the file's order. */
    Set<String> keys() {
        return values.keySet();
    }

    boolean isPresent(String key) {
        return values.containsKey(key);
    }

    /** True if the key is written with no value, {@code ~} or {@code null}. */
    boolean isNull(String key) {
        Node node = values.get(key);
        return node != null && isNull(node);
    }

    /** True if the key's value is the empty string. */
    boolean isEmptyString(String key) {
        return values.get(key) instanceof ScalarNode scalar && !isNull(scalar) && scalar.getValue().isEmpty();
    }

    /** True if the key's value is the single value {@code text}. */
    boolean hasScalar(String key, String text) {
        return values.get(key) instanceof ScalarNode scalar && text.equals(scalar.getValue());
    }

    /** Marks the key as known without reading it. */
    void consume(String key) {
        consumed.add(key);
    }

    String string(String key, String dflt) {
        Node node = take(key);
        if (node == null) {
            return dflt;
        }
        if (!(node instanceof ScalarNode scalar)) {
            error(key, "must be a string (got " + describe(node) + ")");
            return dflt;
        }
        return scalar.getValue();
    }

    int integer(String key, int dflt, int min, int max) {
        Node node = take(key);
        if (node == null) {
            return dflt;
        }
        if (!(node instanceof ScalarNode scalar) || !scalar.isPlain() || !INTEGER.matcher(scalar.getValue()).matches()) {
            error(key, "must be an integer");
            return dflt;
        }
        BigInteger value = new BigInteger(scalar.getValue());
        if (value.compareTo(BigInteger.valueOf(min)) < 0 || value.compareTo(BigInteger.valueOf(max)) > 0) {
            error(key, max == Integer.MAX_VALUE ? "must be at least " + min : "must be " + min + ".." + max);
            return dflt;
        }
        return value.intValueExact();
    }

    /**
     * Permission bits written in octal, as PgBouncer and chmod take them: {@code 0777}, {@code "0660"},
     * {@code 600}. Every digit is octal whatever the leading zero says.
     */
    int octalMode(String key, int dflt, int max) {
        Node node = take(key);
        if (node == null) {
            return dflt;
        }
        if (!(node instanceof ScalarNode scalar) || !scalar.getValue().matches("[0-7]{1,4}")) {
            error(key, "must be octal permission bits such as 0777 or 0660 (got " + describe(node) + ")");
            return dflt;
        }
        int value = Integer.parseInt(scalar.getValue(), 8);
        if (value > max) {
            error(key, "must be at most 0" + Integer.toOctalString(max));
            return dflt;
        }
        return value;
    }

    /**
     * A list of names: a YAML sequence of strings, or one string of comma-separated names as
     * PgBouncer writes them ({@code "alice, bob"}). Empty names are errors; duplicates are dropped.
     */
    List<String> nameList(String key) {
        Node node = take(key);
        if (node == null) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        if (node instanceof ScalarNode scalar) {
            if (!scalar.getValue().isBlank()) {
                for (String name : scalar.getValue().split(",", -1)) {
                    names.add(name.strip());
                }
            }
        } else if (node instanceof SequenceNode sequence) {
            for (Node item : sequence.getValue()) {
                if (!(item instanceof ScalarNode scalar) || isNull(item)) {
                    error(key, "must be a list of names (got " + describe(item) + " in the list)");
                    return List.of();
                }
                names.add(scalar.getValue());
            }
        } else {
            error(key, "must be a list of names (got " + describe(node) + ")");
            return List.of();
        }
        if (names.stream().anyMatch(String::isEmpty)) {
            error(key, "a name must not be empty");
            return List.of();
        }
        return names.stream().distinct().toList();
    }

    /** A duration no shorter than {@code min}; an unquoted integer means seconds. */
    Duration duration(String key, Duration dflt, Duration min) {
        return duration(key, dflt, min, null, false, false);
    }

    /**
     * A duration no shorter than {@code min} and, unless {@code max} is null, no longer than
     * {@code max}; an unquoted integer means milliseconds if {@code plainIsMillis}, else seconds;
     * with {@code wholeSeconds} a part of a second is an error.
     */
    Duration duration(String key, Duration dflt, Duration min, Duration max, boolean wholeSeconds, boolean plainIsMillis) {
        Node node = take(key);
        if (node == null) {
            return dflt;
        }
        if (!(node instanceof ScalarNode scalar)) {
            error(key, "must be a duration like " + Units.DURATION_EXAMPLES + " (got " + describe(node) + ")");
            return dflt;
        }
        try {
            String text = scalar.getValue().strip();
            Duration value = plainIsMillis && INTEGER.matcher(text).matches()
                    ? Units.parseDuration(text + "ms") : Units.parseDuration(text);
            if (max != null && (value.compareTo(min) < 0 || value.compareTo(max) > 0)) {
                error(key, "must be " + Units.formatDuration(min) + ".." + Units.formatDuration(max));
            } else if (value.compareTo(min) < 0) {
                error(key, min.equals(Duration.ofMillis(1)) ? "must be greater than 0" : "must be at least " + min);
            } else if (wholeSeconds && value.toMillis() % 1000 != 0) {
                error(key, "must be whole seconds (got \"" + text + "\")");
            } else {
                return value;
            }
            return dflt;
        } catch (IllegalArgumentException e) {
            error(key, e.getMessage());
            return dflt;
        }
    }

    /** true or false; also on/off, yes/no and 1/0 (PgBouncer writes 1 and 0). */
    boolean bool(String key, boolean dflt) {
        Node node = take(key);
        if (node == null) {
            return dflt;
        }
        if (node instanceof ScalarNode scalar) {
            switch (scalar.getValue().strip().toLowerCase(Locale.ROOT)) {
                case "true", "on", "yes", "1" -> {
                    return true;
                }
                case "false", "off", "no", "0" -> {
                    return false;
                }
                default -> { }
            }
        }
        error(key, "must be true or false (got " + describe(node) + ")");
        return dflt;
    }

    /** A size in bytes within {@code min..max}; an unquoted integer means bytes. */
    int size(String key, int dflt, int min, int max) {
        Node node = take(key);
        if (node == null) {
            return dflt;
        }
        if (!(node instanceof ScalarNode scalar)) {
            error(key, "must be a size like " + Units.SIZE_EXAMPLES + " (got " + describe(node) + ")");
            return dflt;
        }
        try {
            long value = Units.parseSize(scalar.getValue());
            if (value < min || value > max) {
                error(key, "must be " + Units.formatSize(min) + ".." + Units.formatSize(max)
                        + " (got \"" + scalar.getValue() + "\")");
                return dflt;
            }
            return (int) value;
        } catch (IllegalArgumentException e) {
            error(key, e.getMessage());
            return dflt;
        }
    }

    /** One of a fixed set of spellings, e.g. {@code pool_mode}. */
    <E> E choice(String key, E dflt, Function<String, Optional<E>> parse, String choices) {
        Node node = take(key);
        if (node == null) {
            return dflt;
        }
        Optional<E> value = node instanceof ScalarNode scalar ? parse.apply(scalar.getValue()) : Optional.empty();
        if (value.isEmpty()) {
            error(key, "must be one of " + choices + " (got " + describe(node) + ")");
            return dflt;
        }
        return value.get();
    }

    /** {@code host:port} whose port is at least {@code minPort} (0 for a listening address). */
    HostPort hostPort(String key, HostPort dflt, int minPort) {
        Node node = take(key);
        if (node == null) {
            return dflt;
        }
        if (!(node instanceof ScalarNode scalar)) {
            error(key, "expected host:port (got " + describe(node) + ")");
            return dflt;
        }
        try {
            HostPort value = HostPort.parse(scalar.getValue());
            if (value.port() < minPort) {
                error(key, "port must be " + minPort + "..65535 (got \"" + scalar.getValue() + "\")");
                return dflt;
            }
            return value;
        } catch (IllegalArgumentException e) {
            error(key, e.getMessage());
            return dflt;
        }
    }

    /** Like {@link #hostPort}, but null or "" mean none (null). */
    HostPort hostPortOrNone(String key, HostPort dflt, int minPort) {
        if (isNull(key) || isEmptyString(key)) {
            consume(key);
            return null;
        }
        return hostPort(key, dflt, minPort);
    }

    /** A nested mapping to look into, without reading it (nothing is consumed, no error is recorded). */
    YamlSection peekSection(String key) {
        YamlSection child = new YamlSection(pathOf(key), new ArrayList<>(), variable);
        if (values.get(key) instanceof MappingNode mapping) {
            child.fill(mapping);
        }
        return child;
    }

    /** A nested mapping; empty if absent or null, empty with an error if it is not a mapping. */
    YamlSection section(String key) {
        YamlSection child = new YamlSection(pathOf(key), errors, variables.getOrDefault(key, variable));
        Node node = take(key);
        if (node instanceof MappingNode mapping) {
            child.fill(mapping);
        } else if (node != null) {
            // a scalar is not shown: under users it may be a password written in the wrong place
            error(key, "must be a mapping (got " + (node instanceof ScalarNode ? "a single value" : describe(node)) + ")");
        }
        return child;
    }

    /**
     * A list of mappings, each read as a section named {@code key[i]}; empty if absent, empty with
     * an error if it is not a list of mappings.
     */
    List<YamlSection> sectionList(String key) {
        Node node = take(key);
        if (node == null) {
            return List.of();
        }
        if (!(node instanceof SequenceNode sequence)) {
            error(key, "must be a list (got " + describe(node) + ")");
            return List.of();
        }
        List<YamlSection> sections = new ArrayList<>();
        for (int i = 0; i < sequence.getValue().size(); i++) {
            Node item = sequence.getValue().get(i);
            YamlSection child = new YamlSection(pathOf(key) + "[" + i + "]", errors, variables.getOrDefault(key, variable));
            if (item instanceof MappingNode mapping) {
                child.fill(mapping);
                sections.add(child);
            } else {
                error(key, "each entry must be a mapping (got " + describe(item) + " at [" + i + "])");
            }
        }
        return sections;
    }

    /** Reports every key of this section that no reader asked for. */
    void reportUnknownKeys() {
        for (String key : values.keySet()) {
            if (!consumed.contains(key)) {
                error(key, "unknown key");
            }
        }
    }

    /** Consumes the key; null if it is absent or has a null value. */
    private Node take(String key) {
        consumed.add(key);
        Node node = values.get(key);
        return node == null || isNull(node) ? null : node;
    }

    private void fill(MappingNode mapping) {
        Map<String, Integer> lines = new LinkedHashMap<>();
        List<String> duplicates = new ArrayList<>();
        for (NodeTuple tuple : mapping.getValue()) {
            if (!(tuple.getKeyNode() instanceof ScalarNode keyNode)) {
                error("keys must be names (got " + describe(tuple.getKeyNode()) + " at line " + line(tuple.getKeyNode()) + ")");
                continue;
            }
            String key = keyNode.getValue();
            if (values.containsKey(key)) {
                if (!duplicates.contains(key)) {
                    duplicates.add(key);
                    error(key, "duplicate key (lines " + lines.get(key) + " and " + line(keyNode) + ")");
                }
                continue;
            }
            values.put(key, tuple.getValueNode());
            lines.put(key, line(keyNode));
        }
    }

    private static String from(String variable) {
        return variable == null ? "" : " (from the environment variable " + variable + ")";
    }

    private static int line(Node node) {
        return node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
    }

    private static boolean isNull(Node node) {
        return node instanceof ScalarNode scalar
                && scalar.getScalarStyle() == DumperOptions.ScalarStyle.PLAIN
                && Tag.NULL.equals(scalar.getTag());
    }

    /** How a value is shown in an error: {@code "bogus"}, {@code a list}, {@code a mapping}. */
    static String describe(Node node) {
        if (node instanceof ScalarNode scalar) {
            String value = scalar.getValue();
            return quote(value.length() > 60 ? value.substring(0, 57) + "..." : value);
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        return "a mapping";
    }

    static String quote(String text) {
        return JsonText.quote(text);
    }
}
