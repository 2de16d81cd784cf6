package io.pgmux.proxy.peer;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What one replica tells its peers about the shared server budget: its id, the replicas it sees
 * live (itself among them), whether it holds a share now, and how many server connections each of
 * its databases has open or being opened. Sent as a few lines of text: {@code id 2},
 * {@code members 1,2,3}, {@code holds yes}, {@code waiting no}, then {@code used <count> <database>} per database with
 * servers, the name URL-encoded (a client may name any database when {@code upstream} serves them all).
 *
 * @param holds   false while the replica has no share at all (just started, or left out): its view
 *                cannot cost another replica anything
 * @param waiting true while it lets no share rise (it just started, or a replica left lately and may
 *                still be draining): its peers let none rise either
 */
public record PeerView(int id, SortedSet<Integer> members, boolean holds, boolean waiting, Map<String, Integer> used) {
    /** The longest view a replica reads; a longer answer is not a view. */
    static final int MAX_BYTES = 1024 * 1024;

    public PeerView {
        members = Collections.unmodifiableSortedSet(new TreeSet<>(members));
        used = Collections.unmodifiableMap(new TreeMap<>(used));
    }

    public byte[] encode() {
        StringBuilder text = new StringBuilder("id ").append(id).append("\nmembers ");
        boolean first = true;
        for (int member : members) {
            text.append(first ? "" : ",").append(member);
            first = false;
        }
        text.append("\nholds ").append(holds ? "yes" : "no").append("\nwaiting ").append(waiting ? "yes" : "no").append('\n');
        used.forEach((database, count) -> text.append("used ").append(count).append(' ')
                .append(URLEncoder.encode(database, StandardCharsets.UTF_8)).append('\n'));
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** @throws IllegalArgumentException if {@code bytes} are not a view */
    public static PeerView decode(byte[] bytes) {
        String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n");
        if (lines.length < 4 || !lines[0].startsWith("id ") || !lines[1].startsWith("members ")
                || !lines[2].matches("holds (yes|no)") || !lines[3].matches("waiting (yes|no)")) {
            throw new IllegalArgumentException("not a peer view");
        }
        try {
            int id = Integer.parseInt(lines[0].substring(3));
            SortedSet<Integer> members = new TreeSet<>();
            for (String member : lines[1].substring(8).split(",")) {
                if (!member.isEmpty()) {
                    members.add(Integer.parseInt(member));
                }
            }
            Map<String, Integer> used = new TreeMap<>();
            for (int i = 4; i < lines.length; i++) {
                String[] parts = lines[i].split(" ", 3);
                if (parts.length != 3 || !parts[0].equals("used")) {
                    throw new IllegalArgumentException("not a peer view line: " + lines[i]);
                }
                used.put(URLDecoder.decode(parts[2], StandardCharsets.UTF_8), Integer.parseInt(parts[1]));
            }
            return new PeerView(id, members, lines[2].equals("holds yes"), lines[3].equals("waiting yes"), used);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a peer view: " + e.getMessage(), e);
        }
    }
}
