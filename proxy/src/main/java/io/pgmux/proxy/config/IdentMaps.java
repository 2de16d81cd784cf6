package io.pgmux.proxy.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The user name maps HBA rules name with {@code map=}: the lines of {@code ident_maps} (YAML), then
 * those of {@code ident_file} (pg_ident.conf syntax, PgBouncer's {@code auth_ident_file}).
 *
 * @param entries the {@code ident_maps} list; empty when not given
 * @param file    the {@code ident_file} and its lines as read at load (or reload); null when not given
 */
public record IdentMaps(List<IdentMapEntry> entries, IdentFile file) {

    /** A pg_ident.conf-style file and its lines as read. */
    public record IdentFile(String path, List<IdentMapEntry> entries) {
        public IdentFile {
            entries = List.copyOf(entries);
        }
    }

    public IdentMaps {
        entries = entries == null ? List.of() : List.copyOf(entries);
    }

    public static IdentMaps none() {
        return new IdentMaps(List.of(), null);
    }

    /** Every line, those of {@code ident_maps} first. */
    public List<IdentMapEntry> all() {
        if (file == null) {
            return entries;
        }
        List<IdentMapEntry> all = new ArrayList<>(entries);
        all.addAll(file.entries());
        return List.copyOf(all);
    }

    /** The names of the maps that have at least one line. */
    public Set<String> names() {
        Set<String> names = new LinkedHashSet<>();
        all().forEach(entry -> names.add(entry.map()));
        return names;
    }
}
