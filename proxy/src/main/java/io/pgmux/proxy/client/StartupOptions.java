package io.pgmux.proxy.client;

import io.pgmux.proxy.util.ClientText;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parses the {@code options} startup parameter the way Postgres does for the settings it can carry:
 * words separated by spaces (a backslash escapes the next character), each {@code -c name=value},
 * {@code -cname=value} or {@code --name=value}. Other command-line switches are refused, or with
 * {@code skipOthers} ({@code options} in {@code ignore_startup_parameters}) left out.
 */
final class StartupOptions {
    private StartupOptions() {}

    static Map<String, String> parse(String options) {
        return parse(options, false);
    }

    static Map<String, String> parse(String options, boolean skipOthers) {
        Map<String, String> settings = new LinkedHashMap<>();
        var words = words(options);
        for (int i = 0; i < words.size(); i++) {
            String word = words.get(i);
            String setting;
            if (word.equals("-c")) {
                if (i + 1 == words.size() && skipOthers) {
                    break;
                }
                if (i + 1 == words.size()) {
                    throw new IllegalArgumentException("\"-c\" in options needs a name=value after it");
                }
                setting = words.get(++i);
            } else if (word.startsWith("-c")) {
                setting = word.substring(2);
            } else if (word.startsWith("--")) {
                setting = word.substring(2);
            } else if (skipOthers) {
                continue;
            } else {
                throw new IllegalArgumentException("startup option \"" + ClientText.text(word)
                        + "\" is not supported by pgmux; only -c name=value and --name=value are");
            }
            int eq = setting.indexOf('=');
            if (eq <= 0 && skipOthers) {
                continue;
            }
            if (eq <= 0) {
                throw new IllegalArgumentException("startup option \"" + ClientText.text(setting) + "\" is not of the form name=value");
            }
            // Postgres accepts dashes for underscores in names given on the command line.
            settings.put(setting.substring(0, eq).replace('-', '_'), setting.substring(eq + 1));
        }
        return settings;
    }

    private static java.util.List<String> words(String options) {
        java.util.List<String> words = new java.util.ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean escaped = false;
        for (int i = 0; i < options.length(); i++) {
            char c = options.charAt(i);
            if (escaped) {
                word.append(c);
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (Character.isWhitespace(c)) {
                if (!word.isEmpty()) {
                    words.add(word.toString());
                    word.setLength(0);
                }
            } else {
                word.append(c);
            }
        }
        if (!word.isEmpty()) {
            words.add(word.toString());
        }
        return words;
    }
}
