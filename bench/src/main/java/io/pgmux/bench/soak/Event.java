package io.pgmux.bench.soak;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Something the soak's driver did at a moment (a Postgres restart, say), from its events file:
 * one event a line, {@code EPOCH_SECONDS<TAB>TEXT} ({@code date +%s.%N}), kept as seconds since the
 * soak started.
 */
public record Event(double elapsedSeconds, String text) {
    public static List<Event> read(Path file, double startEpochSeconds) throws IOException {
        List<Event> events = new ArrayList<>();
        if (file == null || !Files.exists(file)) {
            return events;
        }
        for (String line : Files.readAllLines(file)) {
            int tab = line.indexOf('\t');
            if (tab > 0) {
                try {
                    double at = Double.parseDouble(line.substring(0, tab).trim()) - startEpochSeconds;
                    events.add(new Event(at, line.substring(tab + 1).trim()));
                } catch (NumberFormatException e) {
                    // not an event line
                }
            }
        }
        return events;
    }
}
