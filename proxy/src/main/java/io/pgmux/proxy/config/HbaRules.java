package io.pgmux.proxy.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * The readers of {@code hba} (rules in YAML) and {@code hba_file} (rules in pg_hba.conf syntax), and of
 * the user name maps their rules name: {@code ident_maps} (YAML) and {@code ident_file} (pg_ident.conf syntax).
 */
final class HbaRules {

    private HbaRules() {
    }

    /** {@code hba}: a list of {type, database, user, address, method, map, clientname, clientcert}; null when absent. */
    static List<HbaRule> readList(YamlSection root, String key, List<HbaRule> dflt, ConfigReading reading) {
        if (!root.isPresent(key) || root.isNull(key)) {
            root.consume(key);
            return null;
        }
        List<HbaRule> rules = new ArrayList<>();
        List<YamlSection> entries = root.sectionList(key);
        for (int i = 0; i < entries.size(); i++) {
            YamlSection entry = entries.get(i);
            String typeWord = entry.string("type", "host");
            HbaRule.Type type = HbaRule.Type.of(typeWord);
            if (type == null) {
                entry.error("type", "must be one of local, host, hostssl, hostnossl (got " + YamlSection.quote(typeWord) + ")");
            }
            List<HbaRule.Name> databases = names(entry, "database");
            List<HbaRule.Name> users = names(entry, "user");
            HbaRule.Address address = null;
            if (type == HbaRule.Type.LOCAL) {
                if (entry.isPresent("address")) {
                    entry.error("address", "a local rule has no address (it is for the Unix socket)");
                }
                entry.consume("address");
            } else {
                try {
                    address = HbaFileParser.address(entry.string("address", "all"), null);
                } catch (IllegalArgumentException e) {
                    entry.error("address", e.getMessage());
                }
            }
            HbaMethod method = null;
            if (!entry.isPresent("method")) {
                entry.error("method", "required: one of " + HbaMethod.choices());
            } else {
                method = entry.choice("method", HbaMethod.TRUST, HbaMethod::fromYaml, HbaMethod.choices());
            }
            Map<String, String> given = new LinkedHashMap<>();
            for (String option : List.of("map", "clientname", "clientcert")) {
                String value = entry.string(option, null);
                if (value != null) {
                    given.put(option, value);
                }
            }
            entry.reportUnknownKeys();
            if (type != null && method != null) {
                HbaRule.Options options = HbaOptions.read(given, type, method, entry::error);
                if (options != null) {
                    rules.add(new HbaRule(key + "[" + i + "]", type, databases, users, address, method, options));
                }
            }
        }
        checkAgainstOtherKeys(rules, reading, problem -> root.error(key, problem));
        return rules;
    }

    /** {@code hba_file}: the path and its rules, read now (at load and at each reload); null when absent. */
    static HbaConfig.HbaFile readFile(YamlSection root, String key, HbaConfig.HbaFile dflt, ConfigReading reading) {
        return fromFile(root, key, (path, errors) -> {
            List<HbaRule> rules = HbaFileParser.read(Path.of(path), errors);
            checkAgainstOtherKeys(rules, reading, errors::add);
            return new HbaConfig.HbaFile(path, rules);
        });
    }

    /** {@code ident_file}: the path and its lines, read now (at load and at each reload); null when absent. */
    static IdentMaps.IdentFile readIdentFile(YamlSection root, String key, IdentMaps.IdentFile dflt, ConfigReading reading) {
        return fromFile(root, key, (path, errors) -> new IdentMaps.IdentFile(path, IdentFileParser.read(Path.of(path), errors)));
    }

    /** A key naming a file: what {@code read} makes of it, its problems reported under the key; null when the key is absent or "". */
    private static <T> T fromFile(YamlSection root, String key, BiFunction<String, List<String>, T> read) {
        String path = root.string(key, null);
        if (path == null || path.isEmpty()) {
            return null;
        }
        List<String> errors = new ArrayList<>();
        T value = read.apply(path, errors);
        errors.forEach(error -> root.error(key, error));
        return value;
    }

    /**
     * What a rule needs from other keys: the map it names must have lines, and a certificate it asks
     * for needs client TLS with {@code client_tls.ca_file} (Postgres: "client certificates can only be
     * checked if a root certificate store is available").
     */
    private static void checkAgainstOtherKeys(List<HbaRule> rules, ConfigReading reading, Consumer<String> problem) {
        Set<String> maps = new IdentMaps(reading.value(ConfigKeys.IDENT_MAPS), reading.value(ConfigKeys.IDENT_FILE)).names();
        boolean canCheckCertificates = reading.value(ConfigKeys.CLIENT_TLS_MODE).enabled()
                && !reading.value(ConfigKeys.CLIENT_TLS_CA_FILE).isEmpty();
        for (HbaRule rule : rules) {
            String map = rule.options().map();
            if (map != null && !maps.contains(map)) {
                problem.accept(rule.source() + ": map " + YamlSection.quote(map) + " has no lines in ident_maps or ident_file");
            }
            if (rule.options().clientCert() != HbaRule.ClientCert.OFF && !canCheckCertificates) {
                problem.accept(rule.source() + ": client certificates can only be checked with client_tls on and"
                        + " client_tls.ca_file set (the CAs that sign them)");
            }
        }
    }

    /** {@code ident_maps}: a list of {map, system, user}, as the lines of pg_ident.conf; empty when absent. */
    static List<IdentMapEntry> readIdentMaps(YamlSection root, String key, List<IdentMapEntry> dflt, ConfigReading reading) {
        List<IdentMapEntry> entries = new ArrayList<>();
        List<YamlSection> lines = root.sectionList(key);
        for (int i = 0; i < lines.size(); i++) {
            YamlSection line = lines.get(i);
            String map = line.string("map", "");
            String system = line.string("system", "");
            String user = line.string("user", "");
            line.reportUnknownKeys();
            if (map.isEmpty() || system.isEmpty() || user.isEmpty()) {
                line.error("map, system and user are all required (pg_ident.conf's MAPNAME SYSTEM-USERNAME DATABASE-USERNAME)");
                continue;
            }
            try {
                entries.add(IdentMapEntry.of(key + "[" + i + "]", map, unquoted(system), isQuoted(system), unquoted(user), isQuoted(user)));
            } catch (IllegalArgumentException e) {
                line.error(e.getMessage());
            }
        }
        return entries;
    }

    private static boolean isQuoted(String name) {
        return name.length() >= 2 && name.startsWith("\"") && name.endsWith("\"");
    }

    private static String unquoted(String name) {
        return isQuoted(name) ? name.substring(1, name.length() - 1) : name;
    }

    /** Names as in pg_hba.conf: a list or a comma-separated string; "all" when absent; a name in double quotes is no keyword. */
    private static List<HbaRule.Name> names(YamlSection entry, String key) {
        if (!entry.isPresent(key)) {
            return List.of(new HbaRule.Name("all", false));
        }
        List<HbaRule.Name> names = new ArrayList<>();
        for (String name : entry.nameList(key)) {
            names.add(new HbaRule.Name(unquoted(name), isQuoted(name)));
        }
        return names;
    }
}
