package io.pgmux.proxy.convert;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A PgBouncer ini file as PgBouncer reads it: {@code [section]} headers, {@code key = value} lines
 * (a later line wins), {@code ;} and {@code #} comments, and {@code %include FILE} (relative to the
 * including file's directory), read in place. Section and key names are case-insensitive; database
 * and user names (the keys of {@code [databases]} and {@code [users]}) keep their case.
 */
final class IniFile {
    private static final int MAX_INCLUDE_DEPTH = 10;

    private final Map<String, Map<String, String>> sections = new LinkedHashMap<>();

    private IniFile() {
    }

    static IniFile read(Path file) throws IOException {
        IniFile ini = new IniFile();
        ini.readInto(file, "pgbouncer", 0);
        return ini;
    }

    /** Parses {@code text} as a file's content; {@code %include} is resolved against {@code dir}. */
    static IniFile parse(String text, Path dir) throws IOException {
        IniFile ini = new IniFile();
        ini.readLines(text, dir, "pgbouncer", 0);
        return ini;
    }

    /** The keys and values of a section, in the order of the file (empty when there is none). */
    Map<String, String> section(String name) {
        return sections.getOrDefault(name.toLowerCase(Locale.ROOT), Map.of());
    }

    List<String> sectionNames() {
        return new ArrayList<>(sections.keySet());
    }

    private String readInto(Path file, String section, int depth) throws IOException {
        if (depth > MAX_INCLUDE_DEPTH) {
            throw new IOException("%include nested more than " + MAX_INCLUDE_DEPTH + " deep at " + file);
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        Path dir = file.toAbsolutePath().getParent();
        return readLines(text, dir, section, depth);
    }

    /** Returns the section the text ends in: an included file may change it, as in PgBouncer. */
    private String readLines(String text, Path dir, String section, int depth) throws IOException {
        String current = section;
        for (String raw : text.split("\r?\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith(";") || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("%include")) {
                Path included = dir.resolve(line.substring("%include".length()).strip());
                current = readInto(included, current, depth + 1);
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                current = line.substring(1, line.length() - 1).strip().toLowerCase(Locale.ROOT);
                sections.computeIfAbsent(current, k -> new LinkedHashMap<>());
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IOException("not a key = value line: " + line);
            }
            String key = line.substring(0, eq).strip();
            if (!current.equals("databases") && !current.equals("users") && !current.equals("peers")) {
                key = key.toLowerCase(Locale.ROOT);
            }
            sections.computeIfAbsent(current, k -> new LinkedHashMap<>()).put(key, line.substring(eq + 1).strip());
        }
        return current;
    }
}
