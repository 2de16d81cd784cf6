package io.pgmux.proxy.config;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads HBA rules in pg_hba.conf syntax (what PgBouncer's {@code auth_hba_file} reads): one rule a
 * line, {@code TYPE DATABASE USER [ADDRESS [MASK]] METHOD [OPTIONS]}, {@code #} comments, a
 * backslash at the end of a line continuing it, fields of comma-separated names, double-quoted
 * names (never keywords), and {@code @file} includes of names (relative to the including file).
 * Addresses are CIDR ranges, an address and its mask, {@code all}, {@code samehost} or
 * {@code samenet}; options are those of {@link HbaOptions}. Not supported, and reported as errors:
 * host names as addresses (Postgres looks the client's address up at every login, a DNS round trip
 * and a trust in reverse DNS a pooler should not depend on), regular expressions ({@code /...}) as
 * names, {@code include} directives and GSSAPI connection types. Errors are collected, never thrown;
 * the file is read off the event loops (config loading).
 */
final class HbaFileParser {
    private static final int MAX_INCLUDE_DEPTH = 10;
    private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");

    private final List<String> errors;

    private HbaFileParser(List<String> errors) {
        this.errors = errors;
    }

    /** The rules of {@code file}, in order; problems are added to {@code errors} as "file:line: ...". */
    static List<HbaRule> read(Path file, List<String> errors) {
        String text = readText(file, errors);
        return text == null ? List.of() : new HbaFileParser(errors).parse(text, file);
    }

    /** The text of a rules or maps file; null when it cannot be read, with why added to {@code errors}. */
    static String readText(Path file, List<String> errors) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            errors.add("cannot read " + file + ": " + e.getMessage());
            return null;
        }
    }

    /** The rules of {@code text}, read as the file {@code file} (its name in errors, its directory for @ includes). */
    static List<HbaRule> parse(String text, Path file, List<String> errors) {
        return new HbaFileParser(errors).parse(text, file);
    }

    private List<HbaRule> parse(String text, Path file) {
        List<HbaRule> rules = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        StringBuilder pending = new StringBuilder();
        int firstLine = 0;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (pending.isEmpty()) {
                firstLine = i + 1;
            }
            if (line.endsWith("\\") && !stripComment(line).isBlank()) {
                pending.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            pending.append(line);
            String where = file + ":" + firstLine;
            List<List<Name>> fields = fields(pending.toString(), where);
            pending.setLength(0);
            if (fields != null && !fields.isEmpty()) {
                HbaRule rule = rule(where, fields, file.getParent(), 0);
                if (rule != null) {
                    rules.add(rule);
                }
            }
        }
        return rules;
    }

    /** One name of a field as written: quoted ones are never keywords. */
    record Name(String text, boolean quoted) {}

    /** The fields of one line (also pg_ident.conf's), each a list of names; null after an error, added to {@code errors}. */
    static List<List<Name>> fields(String line, String where, List<String> errors) {
        return new HbaFileParser(errors).fields(line, where);
    }

    /** The line's fields, each a list of names; null after an error. */
    private List<List<Name>> fields(String line, String where) {
        List<List<Name>> fields = new ArrayList<>();
        List<Name> field = new ArrayList<>();
        StringBuilder token = new StringBuilder();
        boolean quoted = false;
        boolean inQuotes = false;
        boolean afterComma = false;
        for (int i = 0; i <= line.length(); i++) {
            char c = i < line.length() ? line.charAt(i) : '\n';
            if (inQuotes) {
                if (c == '\n') {
                    errors.add(where + ": unterminated quoted name");
                    return null;
                }
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    token.append('"');
                    i++;
                } else if (c == '"') {
                    inQuotes = false;
                } else {
                    token.append(c);
                }
                continue;
            }
            if (c == '"') {
                inQuotes = true;
                quoted = true;
            } else if (c == ',') {
                field.add(new Name(token.toString(), quoted));
                token.setLength(0);
                quoted = false;
                afterComma = true;
            } else if (c == '#' || c == '\n' || Character.isWhitespace(c)) {
                if (!token.isEmpty() || quoted) {
                    field.add(new Name(token.toString(), quoted));
                    token.setLength(0);
                    quoted = false;
                    afterComma = false;
                }
                if (!field.isEmpty() && !afterComma) {
                    fields.add(field);
                    field = new ArrayList<>();
                }
                if (c == '#' || c == '\n') {
                    break;
                }
            } else {
                token.append(c);
                afterComma = false;
            }
        }
        if (afterComma) {
            errors.add(where + ": a list ends with a comma");
            return null;
        }
        return fields;
    }

    private static String stripComment(String line) {
        int hash = line.indexOf('#');
        return hash < 0 ? line : line.substring(0, hash);
    }

    private HbaRule rule(String where, List<List<Name>> fields, Path dir, int depth) {
        String typeWord = single(fields.get(0));
        if (typeWord != null && typeWord.equals("include") || "include_if_exists".equals(typeWord) || "include_dir".equals(typeWord)) {
            errors.add(where + ": \"" + typeWord + "\" directives are not supported; use @file for lists of names");
            return null;
        }
        HbaRule.Type type = typeWord == null ? null : HbaRule.Type.of(typeWord);
        if (type == null) {
            errors.add(where + ": unknown connection type " + YamlSection.quote(String.valueOf(typeWord))
                    + " (expected local, host, hostssl or hostnossl)");
            return null;
        }
        int methodIndex = type == HbaRule.Type.LOCAL ? 3 : 4;
        if (fields.size() <= methodIndex - 1) {
            errors.add(where + ": too few fields (expected TYPE DATABASE USER" + (type == HbaRule.Type.LOCAL ? "" : " ADDRESS")
                    + " METHOD)");
            return null;
        }
        List<HbaRule.Name> databases = names(fields.get(1), where, dir, depth);
        List<HbaRule.Name> users = names(fields.get(2), where, dir, depth);
        HbaRule.Address address = null;
        if (type != HbaRule.Type.LOCAL) {
            String addressWord = single(fields.get(3));
            String mask = null;
            if (addressWord != null && !addressWord.contains("/") && !addressWord.equals("all") && fields.size() > 5
                    && isIp(single(fields.get(4)))) {
                mask = single(fields.get(4));
                methodIndex = 5;
            }
            try {
                address = address(addressWord, mask);
            } catch (IllegalArgumentException e) {
                errors.add(where + ": " + e.getMessage());
                return null;
            }
        }
        if (fields.size() <= methodIndex) {
            errors.add(where + ": no authentication method");
            return null;
        }
        String methodWord = single(fields.get(methodIndex));
        HbaMethod method = methodWord == null ? null : HbaMethod.fromYaml(methodWord).orElse(null);
        if (method == null) {
            errors.add(where + ": unknown authentication method " + YamlSection.quote(String.valueOf(methodWord))
                    + " (expected " + HbaMethod.choices() + ")");
            return null;
        }
        Map<String, String> given = new LinkedHashMap<>();
        for (List<Name> option : fields.subList(methodIndex + 1, fields.size())) {
            String text = option.stream().map(Name::text).collect(Collectors.joining(","));
            int equals = text.indexOf('=');
            if (equals <= 0) {
                errors.add(where + ": an option must be name=value, got " + YamlSection.quote(text));
                return null;
            }
            given.put(text.substring(0, equals), text.substring(equals + 1));
        }
        HbaRule.Options options = HbaOptions.read(given, type, method, problem -> errors.add(where + ": " + problem));
        if (options == null || databases == null || users == null) {
            return null;
        }
        return new HbaRule(where, type, databases, users, address, method, options);
    }

    /** The only name of a field that must have one; null if it has several. */
    private static String single(List<Name> field) {
        return field.size() == 1 ? field.get(0).text() : null;
    }

    private List<HbaRule.Name> names(List<Name> field, String where, Path dir, int depth) {
        List<HbaRule.Name> names = new ArrayList<>();
        for (Name name : field) {
            if (!name.quoted() && name.text().startsWith("@")) {
                if (depth >= MAX_INCLUDE_DEPTH) {
                    errors.add(where + ": @ includes nested deeper than " + MAX_INCLUDE_DEPTH);
                    return null;
                }
                List<HbaRule.Name> included = include(name.text().substring(1), where, dir, depth + 1);
                if (included == null) {
                    return null;
                }
                names.addAll(included);
            } else if (!name.quoted() && name.text().startsWith("/")) {
                errors.add(where + ": regular expressions (" + name.text() + ") are not supported");
                return null;
            } else if (name.text().isEmpty()) {
                errors.add(where + ": an empty name");
                return null;
            } else {
                names.add(new HbaRule.Name(name.text(), name.quoted()));
            }
        }
        return names;
    }

    /** The names in an @file: separated by whitespace or commas, # comments, quotes as on a rule's line. */
    private List<HbaRule.Name> include(String fileName, String where, Path dir, int depth) {
        Path file = dir == null ? Path.of(fileName) : dir.resolve(fileName);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            errors.add(where + ": cannot read @" + fileName + " (" + file + "): " + e.getMessage());
            return null;
        }
        List<HbaRule.Name> names = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            List<List<Name>> fields = fields(lines[i], file + ":" + (i + 1));
            if (fields == null) {
                return null;
            }
            for (List<Name> field : fields) {
                List<HbaRule.Name> some = names(field, file + ":" + (i + 1), file.getParent(), depth);
                if (some == null) {
                    return null;
                }
                names.addAll(some);
            }
        }
        return names;
    }

    /**
     * An address field: {@code all}, {@code samehost}, {@code samenet}, a CIDR range ({@code 10.0.0.0/8},
     * {@code ::1/128}), or an address with its netmask in the next field; a lone address means that host only.
     */
    static HbaRule.Address address(String text, String mask) {
        if (text == null) {
            throw new IllegalArgumentException("the address must be one value");
        }
        if (text.equals("all")) {
            return null;
        }
        HbaRule.LocalAddresses local = HbaRule.LocalAddresses.of(text);
        if (local != null) {
            return local;
        }
        String host = text;
        Integer prefix = null;
        int slash = text.indexOf('/');
        if (slash >= 0) {
            host = text.substring(0, slash);
            try {
                prefix = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid CIDR mask in address " + YamlSection.quote(text));
            }
        }
        if (!isIp(host)) {
            throw new IllegalArgumentException("invalid IP address " + YamlSection.quote(host)
                    + " (host names are not supported: give an address range such as 10.0.0.0/8, samehost or samenet)");
        }
        InetAddress network = ip(host);
        int bits = network.getAddress().length * 8;
        if (mask != null) {
            prefix = prefixOf(ip(mask), text);
        }
        if (prefix == null) {
            prefix = bits;
        }
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("invalid CIDR mask in address " + YamlSection.quote(text));
        }
        return new HbaRule.Cidr(network, prefix);
    }

    private static int prefixOf(InetAddress mask, String address) {
        int prefix = 0;
        boolean zero = false;
        for (byte b : mask.getAddress()) {
            for (int bit = 7; bit >= 0; bit--) {
                boolean one = (b >> bit & 1) == 1;
                if (one && zero) {
                    throw new IllegalArgumentException("invalid netmask for address " + YamlSection.quote(address));
                }
                if (one) {
                    prefix++;
                } else {
                    zero = true;
                }
            }
        }
        return prefix;
    }

    private static boolean isIp(String text) {
        if (text == null) {
            return false;
        }
        if (IPV4.matcher(text).matches()) {
            for (String octet : text.split("\\.")) {
                if (Integer.parseInt(octet) > 255) {
                    return false;
                }
            }
            return true;
        }
        return text.contains(":") && text.matches("[0-9A-Fa-f:.]+");
    }

    /** A literal address: never a DNS lookup (the text is checked to be an IP first). */
    private static InetAddress ip(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("invalid IP address " + YamlSection.quote(text));
        }
    }
}
