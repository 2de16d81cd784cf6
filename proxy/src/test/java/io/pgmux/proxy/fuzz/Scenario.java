package io.pgmux.proxy.fuzz;

import java.util.ArrayList;
import java.util.List;

/**
 * One fuzz case: several clients, each brought into a {@link ClientState} and then sending its
 * steps. Written to and read from the corpus as text:
 *
 * <pre>
 * seed 8675309
 * client 0 IN_TRANSACTION
 *   440000000a5a6e6f706500  # Describe with target 'Z'
 * client 1 QUEUED
 *   5300000004  # Sync
 * </pre>
 */
public record Scenario(long seed, List<ClientScript> clients) {

    /** One client's part: its number, the state it is brought into, what it sends there. */
    public record ClientScript(int client, ClientState state, List<Step> steps) {
        /** Whether the client may have sent Terminate, so that pgmux closing it without an error is right. */
        public boolean mayTerminate() {
            return steps.stream().anyMatch(Step::mayTerminate);
        }
    }

    public String toText() {
        StringBuilder text = new StringBuilder("seed ").append(seed).append('\n');
        for (ClientScript script : clients) {
            text.append("client ").append(script.client()).append(' ').append(script.state()).append('\n');
            script.steps().forEach(step -> text.append("  ").append(step.toLine()).append('\n'));
        }
        return text.toString();
    }

    /** Reads {@link #toText}'s form; lines starting with {@code #} (outside steps) are comments. */
    public static Scenario parse(String text) {
        long seed = 0;
        List<ClientScript> clients = new ArrayList<>();
        List<Step> steps = null;
        for (String line : text.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            if (trimmed.startsWith("seed ")) {
                seed = Long.parseLong(trimmed.substring(5).strip());
            } else if (trimmed.startsWith("client ")) {
                String[] words = trimmed.split("\\s+");
                steps = new ArrayList<>();
                clients.add(new ClientScript(Integer.parseInt(words[1]), ClientState.valueOf(words[2]), steps));
            } else if (steps == null) {
                throw new IllegalArgumentException("a step before any 'client' line: " + line);
            } else {
                steps.add(Step.fromLine(trimmed));
            }
        }
        return new Scenario(seed, clients);
    }

    @Override
    public String toString() {
        return toText();
    }
}
