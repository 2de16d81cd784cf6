package io.pgmux.bench.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A statement of a scenario: its text with {@code $1..$n} placeholders, and the name it is
 * prepared under in {@link Protocol#PREPARED} mode. The text is split once around its
 * placeholders so that inlining literals for the simple protocol is a concatenation.
 */
public final class Sql {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$(\\d+)");

    private final String name;
    private final String text;
    private final int parameterCount;
    /** Literal fragments around the placeholders: fragments[0] $a fragments[1] $b ... */
    private final String[] fragments;
    /** 0-based parameter index of each placeholder, in order of appearance. */
    private final int[] slots;

    public Sql(String name, String text) {
        this.name = Objects.requireNonNull(name, "name");
        this.text = Objects.requireNonNull(text, "text");
        List<String> parts = new ArrayList<>();
        List<Integer> indexes = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(text);
        int last = 0;
        int max = 0;
        while (m.find()) {
            parts.add(text.substring(last, m.start()));
            int index = Integer.parseInt(m.group(1));
            if (index < 1) {
                throw new IllegalArgumentException("placeholder $0 in " + text);
            }
            indexes.add(index - 1);
            max = Math.max(max, index);
            last = m.end();
        }
        parts.add(text.substring(last));
        this.fragments = parts.toArray(String[]::new);
        this.slots = indexes.stream().mapToInt(Integer::intValue).toArray();
        this.parameterCount = max;
    }

    public String name() {
        return name;
    }

    public String text() {
        return text;
    }

    public int parameterCount() {
        return parameterCount;
    }

    /** The text with each placeholder replaced by its value as a quoted literal ({@code null} = NULL). */
    public String inline(String... values) {
        checkArity(values);
        StringBuilder sb = new StringBuilder(text.length() + 16 * slots.length);
        sb.append(fragments[0]);
        for (int i = 0; i < slots.length; i++) {
            appendLiteral(sb, values[slots[i]]);
            sb.append(fragments[i + 1]);
        }
        return sb.toString();
    }

    void checkArity(String[] values) {
        if (values.length != parameterCount) {
            throw new IllegalArgumentException(name + " takes " + parameterCount + " parameters, not " + values.length);
        }
    }

    static void appendLiteral(StringBuilder sb, String value) {
        if (value == null) {
            sb.append("NULL");
            return;
        }
        sb.append('\'');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\'') {
                sb.append('\'');
            }
            sb.append(c);
        }
        sb.append('\'');
    }

    @Override
    public String toString() {
        return name + ": " + text;
    }
}
