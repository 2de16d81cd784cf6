package io.pgmux.proxy.config;

import java.util.List;

/**
 * Who may log in as whom from where, and how they prove it: the rules of {@code hba} (YAML), then
 * those of {@code hba_file} (pg_hba.conf syntax); the first that matches decides. Neither: every
 * client authenticates with {@code client_auth}.
 *
 * @param rules     the {@code hba} list; null when not given
 * @param file      the {@code hba_file} and the rules read from it at load (or reload); null when not given
 * @param identMaps the user name maps rules name with {@code map=} ({@code ident_maps}, {@code ident_file})
 */
public record HbaConfig(List<HbaRule> rules, HbaFile file, IdentMaps identMaps) {

    /** A pg_hba.conf-style file and its rules as read. */
    public record HbaFile(String path, List<HbaRule> rules) {
        public HbaFile {
            rules = List.copyOf(rules);
        }
    }

    public HbaConfig {
        rules = rules == null ? null : List.copyOf(rules);
        identMaps = identMaps == null ? IdentMaps.none() : identMaps;
    }

    /** Rules without user name maps. */
    public HbaConfig(List<HbaRule> rules, HbaFile file) {
        this(rules, file, IdentMaps.none());
    }

    public static HbaConfig none() {
        return new HbaConfig(null, null);
    }

    /** The rules in effect, first match wins; null when neither key is given (client_auth applies). */
    public List<HbaRule> effectiveRules() {
        if (file == null) {
            return rules;
        }
        if (rules == null) {
            return file.rules();
        }
        List<HbaRule> all = new java.util.ArrayList<>(rules);
        all.addAll(file.rules());
        return List.copyOf(all);
    }
}
