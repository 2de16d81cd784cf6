package io.pgmux.proxy.config;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.representer.Representer;

/**
 * Reads {@code pgmux.yaml} into a {@link PgmuxConfig}, reporting every problem at once.
 *
 * <p>The YAML is composed into a node tree (SnakeYAML never builds Java objects from it, so no tag can
 * instantiate anything) and read key by key, as {@link ConfigKeys} declares them, with
 * {@link YamlSection}, which types each value by the key that reads it and names the YAML path in
 * each error. Anchors, aliases and {@code <<} merge keys work; duplicate keys are errors. With
 * several errors, they come in the order of the keys' declarations, then the unknown keys.
 */
public final class ConfigLoader {
    /** Larger config files are refused. */
    static final int MAX_CONFIG_CHARS = 1 << 20;

    /** Database names that reach the admin console instead of a server. */
    public static final List<String> RESERVED_DATABASES = List.of("pgbouncer", "pgmux");

    private ConfigLoader() {
    }

    /**
     * Loads a config file; {@code env} supplies {@code ${NAME}} references and the {@code PGMUX_}
     * variables that set keys ({@link ConfigEnvironment}; pass {@code System.getenv()}).
     *
     * @throws ConfigException listing every problem, or naming the file if it cannot be read
     */
    public static PgmuxConfig load(Path file, Map<String, String> env) throws ConfigException {
        String yaml;
        try {
            if (Files.isDirectory(file)) {
                throw new ConfigException(file + ": is a directory, not a config file");
            }
            if (Files.size(file) > MAX_CONFIG_CHARS * 4L) {
                throw new ConfigException(file + ": too large for a config file");
            }
            yaml = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": file not found");
        } catch (AccessDeniedException e) {
            throw new ConfigException(file + ": permission denied");
        } catch (CharacterCodingException e) {
            throw new ConfigException(file + ": not valid UTF-8");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read (" + e.getMessage() + ")");
        }
        return parse(yaml, env);
    }

    /**
     * Parses config text, with the environment as in {@link #load}; an empty document and an
     * environment without {@code PGMUX_} variables give {@link PgmuxConfig#defaults()}.
     *
     * @throws ConfigException listing every problem
     */
    public static PgmuxConfig parse(String yaml, Map<String, String> env) throws ConfigException {
        if (yaml.length() > MAX_CONFIG_CHARS) {
            throw new ConfigException("config is larger than " + Units.formatSize(MAX_CONFIG_CHARS) + " characters");
        }
        List<String> errors = new ArrayList<>();
        YamlSection root = YamlSection.document(compose(yaml), errors);
        ConfigValues values = new ConfigReading(root, env).readAll();
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return values.toConfig();
    }

    /** The node tree of a YAML document; null for an empty one. */
    static Node compose(String yaml) throws ConfigException {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(MAX_CONFIG_CHARS);
        options.setMaxAliasesForCollections(50);
        options.setAllowRecursiveKeys(false);
        options.setNestingDepthLimit(32);
        options.setMergeOnCompose(true);
        DumperOptions dumperOptions = new DumperOptions();
        Yaml parser = new Yaml(new SafeConstructor(options), new Representer(dumperOptions), dumperOptions, options);
        try {
            return parser.compose(new StringReader(yaml));
        } catch (MarkedYAMLException e) {
            throw new ConfigException(describe(e));
        } catch (YAMLException e) {
            throw new ConfigException("invalid YAML: " + e.getMessage());
        }
    }

    /** {@code syntax error at line 3, column 7: mapping values are not allowed here}. */
    private static String describe(MarkedYAMLException e) {
        Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
        StringBuilder out = new StringBuilder("syntax error");
        if (mark != null) {
            out.append(" at line ").append(mark.getLine() + 1).append(", column ").append(mark.getColumn() + 1);
        }
        out.append(": ");
        if (e.getContext() != null) {
            out.append(e.getContext()).append(", ");
        }
        out.append(e.getProblem() != null ? e.getProblem() : "invalid YAML");
        return out.toString();
    }
}
