package io.pgmux.proxy.auth;

import io.pgmux.proxy.config.HbaRule;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Finds the first HBA rule that admits a connection, as Postgres reads pg_hba.conf: its type
 * (pgmux listens on TCP only: {@code local} never matches; {@code hostssl}/{@code hostnossl} by
 * whether the connection is over TLS), its address range, its databases ({@code all},
 * {@code sameuser}, {@code samerole}, names; {@code replication} never, as pgmux takes no
 * replication connections) and its users ({@code all}, {@code +group}, names).
 *
 * <p>Group membership ({@code +group}, {@code samerole}) is Postgres's to say: it is asked, for
 * only the groups that could decide, before the rules are walked, and the answers are awaited
 * together (see {@link RoleSecrets#isMember}).
 */
public final class HbaCheck {

    private HbaCheck() {
    }

    /** The connection to decide on. {@code address} is the client's IP. */
    public record Connection(String database, String user, InetAddress address, boolean tls) {}

    /**
     * The first rule that matches, or null for none. {@code isMember} answers "is the user a member
     * of this role" and is called only when a rule needs it.
     */
    public static CompletableFuture<HbaRule> firstMatch(List<HbaRule> rules, Connection connection,
                                                        Function<String, CompletableFuture<Boolean>> isMember) {
        Set<String> groups = new LinkedHashSet<>();
        for (HbaRule rule : rules) {
            if (!matchesWithoutGroups(rule, connection)) {
                continue;
            }
            Boolean database = databaseMatches(rule, connection, Map.of());
            Boolean user = userMatches(rule, connection, Map.of());
            if (Boolean.FALSE.equals(database) || Boolean.FALSE.equals(user)) {
                continue;
            }
            if (database != null && user != null) {
                break; // this rule matches whatever the groups say: later ones do not count
            }
            if (database == null) {
                groups.add(connection.database());
            }
            if (user == null) {
                rule.users().stream().map(HbaRule.Name::group).filter(g -> g != null).forEach(groups::add);
            }
        }
        if (groups.isEmpty()) {
            return CompletableFuture.completedFuture(walk(rules, connection, Map.of()));
        }
        Map<String, CompletableFuture<Boolean>> asked = new HashMap<>();
        groups.forEach(group -> asked.put(group, isMember.apply(group)));
        return CompletableFuture.allOf(asked.values().toArray(CompletableFuture[]::new)).thenApply(done -> {
            Map<String, Boolean> membership = new HashMap<>();
            asked.forEach((group, answer) -> membership.put(group, answer.join()));
            return walk(rules, connection, membership);
        });
    }

    private static HbaRule walk(List<HbaRule> rules, Connection connection, Map<String, Boolean> membership) {
        for (HbaRule rule : rules) {
            if (matchesWithoutGroups(rule, connection) && Boolean.TRUE.equals(databaseMatches(rule, connection, membership))
                    && Boolean.TRUE.equals(userMatches(rule, connection, membership))) {
                return rule;
            }
        }
        return null;
    }

    private static boolean matchesWithoutGroups(HbaRule rule, Connection connection) {
        return rule.type().matchesTcp(connection.tls())
                && (rule.address() == null || rule.address().contains(connection.address()));
    }

    /** True or false, or null when it depends on a membership not in {@code membership}. */
    private static Boolean databaseMatches(HbaRule rule, Connection connection, Map<String, Boolean> membership) {
        boolean unknown = false;
        for (HbaRule.Name name : rule.databases()) {
            if (name.is("all") || (name.is("sameuser") && connection.database().equals(connection.user()))) {
                return true;
            }
            if (name.is("samerole") || name.is("samegroup")) {
                Boolean member = membership.get(connection.database());
                if (Boolean.TRUE.equals(member)) {
                    return true;
                }
                unknown |= member == null;
            } else if (!name.is("replication") && !name.is("sameuser") && name.text().equals(connection.database())) {
                return true;
            }
        }
        return unknown ? null : false;
    }

    private static Boolean userMatches(HbaRule rule, Connection connection, Map<String, Boolean> membership) {
        boolean unknown = false;
        for (HbaRule.Name name : rule.users()) {
            String group = name.group();
            if (name.is("all")) {
                return true;
            }
            if (group != null) {
                Boolean member = membership.get(group);
                if (Boolean.TRUE.equals(member)) {
                    return true;
                }
                unknown |= member == null;
            } else if (name.text().equals(connection.user())) {
                return true;
            }
        }
        return unknown ? null : false;
    }

    /** Where a rule came from and what it asks, for SHOW CLIENTS: {@code scram-sha-256 (hba[1])}. */
    public static String describe(HbaRule rule) {
        return rule.method().yamlName() + " (" + rule.source() + ")";
    }

    /** For tests: the groups a connection's check would ask about. */
    static List<String> groupsAsked(List<HbaRule> rules, Connection connection) {
        List<String> groups = new ArrayList<>();
        firstMatch(rules, connection, group -> {
            groups.add(group);
            return CompletableFuture.completedFuture(false);
        });
        return groups;
    }
}
