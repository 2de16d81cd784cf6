package io.pgmux.proxy.config;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Who may log in as whom from where, and how they prove it: the rules of {@code hba} (YAML), then
 * those of {@code hba_file} (pg_hba.conf syntax); the first that matches decides. Neither: every
 * client authenticates with {@code client_auth}.
 *
 * @param rules     the {@code hba} list; null when not given
 * @param file      the {@code hba_file} and the rules read from it at load (or reload); null when not given
 * @param identMaps the user name maps rules name with {@code map=} ({@code ident_maps}, {@code ident_file})
 * @param trustUsers {@code trust_users}: the only user names {@code trust} admits (besides auth_user and those
 *                  auth_query finds); null = any
 */
public record HbaConfig(List<HbaRule> rules, HbaFile file, IdentMaps identMaps, Set<String> trustUsers) {

    /** A pg_hba.conf-style file and its rules as read. */
    public record HbaFile(String path, List<HbaRule> rules) {
        public HbaFile {
            rules = List.copyOf(rules);
        }
    }

    public HbaConfig {
        rules = rules == null ? null : List.copyOf(rules);
        identMaps = identMaps == null ? IdentMaps.none() : identMaps;
        trustUsers = trustUsers == null ? null : Collections.unmodifiableSet(new LinkedHashSet<>(trustUsers));
    }

    public HbaConfig(List<HbaRule> rules, HbaFile file, IdentMaps identMaps, List<String> trustUsers) {
        this(rules, file, identMaps, trustUsers == null ? null : new LinkedHashSet<>(trustUsers));
    }

    /** Rules without user name maps; trust admits any user. */
    public HbaConfig(List<HbaRule> rules, HbaFile file) {
        this(rules, file, IdentMaps.none(), (Set<String>) null);
    }

    /** Whether {@code trust} admits {@code user} by its name alone (else only if auth_query finds it). */
    public boolean trustAdmits(String user) {
        return trustUsers == null || trustUsers.contains(user);
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
