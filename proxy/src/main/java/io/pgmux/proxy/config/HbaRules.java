package io.pgmux.proxy.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The readers of {@code hba} (rules in YAML) and {@code hba_file} (rules in pg_hba.conf syntax). */
final class HbaRules {

    private HbaRules() {
    }

    /** {@code hba}: a list of {type, database, user, address, method}; null when absent. */
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
            HbaRule.Cidr address = null;
            String addressText = entry.string("address", "all");
            try {
                address = HbaFileParser.address(addressText, null);
            } catch (IllegalArgumentException e) {
                entry.error("address", e.getMessage());
            }
            HbaMethod method = null;
            if (!entry.isPresent("method")) {
                entry.error("method", "required: one of " + HbaMethod.choices());
            } else {
                method = entry.choice("method", HbaMethod.TRUST, HbaMethod::fromYaml, HbaMethod.choices());
            }
            entry.reportUnknownKeys();
            if (type != null && method != null) {
                String problem = HbaFileParser.check(type, method);
                if (problem != null) {
                    entry.error("method", problem);
                } else {
                    rules.add(new HbaRule(key + "[" + i + "]", type, databases, users, address, method));
                }
            }
        }
        return rules;
    }

    /** {@code hba_file}: the path and its rules, read now (at load and at each reload); null when absent. */
    static HbaConfig.HbaFile readFile(YamlSection root, String key, HbaConfig.HbaFile dflt, ConfigReading reading) {
        String path = root.string(key, null);
        if (path == null || path.isEmpty()) {
            return null;
        }
        List<String> errors = new ArrayList<>();
        List<HbaRule> rules = HbaFileParser.read(Path.of(path), errors);
        errors.forEach(error -> root.error(key, error));
        return new HbaConfig.HbaFile(path, rules);
    }

    /** Names as in pg_hba.conf: a list or a comma-separated string; "all" when absent; a name in double quotes is no keyword. */
    private static List<HbaRule.Name> names(YamlSection entry, String key) {
        if (!entry.isPresent(key)) {
            return List.of(new HbaRule.Name("all", false));
        }
        List<HbaRule.Name> names = new ArrayList<>();
        for (String name : entry.nameList(key)) {
            boolean quoted = name.length() >= 2 && name.startsWith("\"") && name.endsWith("\"");
            names.add(new HbaRule.Name(quoted ? name.substring(1, name.length() - 1) : name, quoted));
        }
        return names;
    }
}
