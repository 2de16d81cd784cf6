package io.pgmux.proxy.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Config from environment variables, as containers are usually configured: {@code PGMUX_CONFIG}
 * names the file, and {@code PGMUX_<KEY>} sets a key ({@link ConfigKey#environmentVariable()}:
 * {@code PGMUX_POOL_SIZE}, {@code PGMUX_HTTP_LISTEN} for {@code http.listen}).
 *
 * <p>A variable's value stands where the file's value of the key would be, and is read and checked
 * as that value. So it wins over the file, a command-line option wins over it, and a database that
 * sets its own {@code pool_size} keeps it under {@code PGMUX_POOL_SIZE} as it would under the
 * file's {@code pool_size}. The value is the text as written ({@code ""} is the empty value, which
 * turns {@code http.listen} off), except for {@code users} and {@code databases}, whose variables
 * hold YAML ({@code PGMUX_DATABASES='{app: {host: db, port: 5432}}'}), with {@code ${NAME}} in
 * passwords as in the file.
 *
 * <p>Other {@code PGMUX_} variables are not errors (scripts use some for themselves); the command
 * line warns about them, since a misspelt name would otherwise change nothing without a word.
 */
public final class ConfigEnvironment {
    public static final String PREFIX = "PGMUX_";
    /** The config file's path, used when no {@code -c} is given. */
    public static final String CONFIG_FILE = PREFIX + "CONFIG";

    private ConfigEnvironment() {
    }

    /** The config file {@code env} names; an empty or blank value names none. */
    public static Optional<Path> configFile(Map<String, String> env) {
        String file = env.get(CONFIG_FILE);
        return file == null || file.isBlank() ? Optional.empty() : Optional.of(Path.of(file));
    }

    /** The variable of every key, in the order of the keys. */
    public static List<String> variables() {
        return ConfigKeys.ALL.stream().map(ConfigKey::environmentVariable).toList();
    }

    /** The variables of {@link #variables()} that {@code env} sets, in the order of the keys. */
    public static List<String> setIn(Map<String, String> env) {
        return variables().stream().filter(env::containsKey).toList();
    }

    /** The {@code PGMUX_} variables of {@code env} that are neither a key's nor {@link #CONFIG_FILE}, sorted. */
    public static List<String> unknownIn(Map<String, String> env) {
        List<String> known = variables();
        return env.keySet().stream()
                .filter(name -> name.startsWith(PREFIX) && !name.equals(CONFIG_FILE) && !known.contains(name))
                .sorted()
                .toList();
    }

    /**
     * The YAML node that the variable's {@code text} stands for as the value of {@code key}: a
     * string scalar written plain (so that an integer key reads it as it reads {@code pool_size: 50}
     * in the file), or for a mapping key the YAML document in the text (empty: none).
     *
     * @throws ConfigException if a mapping key's text is not YAML
     */
    static Node node(ConfigKey<?> key, String text) throws ConfigException {
        if (!key.isMapping()) {
            return new ScalarNode(Tag.STR, text.strip(), null, null, DumperOptions.ScalarStyle.PLAIN);
        }
        Node document = ConfigLoader.compose(text);
        return document != null ? document : absent();
    }

    /** A YAML null, which a key reads as absent. */
    static Node absent() {
        return new ScalarNode(Tag.NULL, "", null, null, DumperOptions.ScalarStyle.PLAIN);
    }
}
