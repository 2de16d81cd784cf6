package io.pgmux.proxy.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads user name maps in pg_ident.conf syntax (what PgBouncer's {@code auth_ident_file} reads): one
 * line {@code MAPNAME SYSTEM-USERNAME DATABASE-USERNAME} each, {@code #} comments and double quotes
 * as in pg_hba.conf. Errors are collected as "file:line: ...", never thrown; the file is read off the
 * event loops (config loading).
 */
final class IdentFileParser {
    private IdentFileParser() {
    }

    static List<IdentMapEntry> read(Path file, List<String> errors) {
        String text = HbaFileParser.readText(file, errors);
        return text == null ? List.of() : parse(text, file, errors);
    }

    static List<IdentMapEntry> parse(String text, Path file, List<String> errors) {
        List<IdentMapEntry> entries = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String where = file + ":" + (i + 1);
            List<List<HbaFileParser.Name>> fields = HbaFileParser.fields(lines[i], where, errors);
            if (fields == null || fields.isEmpty()) {
                continue;
            }
            if (fields.size() != 3 || fields.stream().anyMatch(field -> field.size() != 1)) {
                errors.add(where + ": expected MAPNAME SYSTEM-USERNAME DATABASE-USERNAME, one name each");
                continue;
            }
            HbaFileParser.Name map = fields.get(0).get(0);
            HbaFileParser.Name system = fields.get(1).get(0);
            HbaFileParser.Name user = fields.get(2).get(0);
            if (system.text().isEmpty() || user.text().isEmpty()) {
                errors.add(where + ": an empty name");
                continue;
            }
            try {
                entries.add(IdentMapEntry.of(where, map.text(), system.text(), system.quoted(), user.text(), user.quoted()));
            } catch (IllegalArgumentException e) {
                errors.add(where + ": " + e.getMessage());
            }
        }
        return entries;
    }
}
