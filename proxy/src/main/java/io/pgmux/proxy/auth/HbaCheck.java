package io.pgmux.proxy.auth;

import io.pgmux.proxy.config.HbaRule;
import io.pgmux.proxy.net.LocalNetworks;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Finds the first HBA rule that admits a connection, as Postgres reads pg_hba.conf: its type
 * ({@code local} for the Unix socket, {@code host} for TCP, {@code hostssl}/{@code hostnossl} by
 * whether the connection is over TLS), its address ({@code all}, a range, {@code samehost},
 * {@code samenet}), its databases ({@code all}, {@code sameuser}, {@code samerole}, names; a physical
 * replication connection matches {@code replication} and nothing else, a logical one is matched
 * as any connection to its database) and its users ({@code all}, {@code +group}, names).
 *
 * <p>Group membership ({@code +group}, {@code samerole}) is Postgres's to say: it is asked, for
 * only the groups that could decide, before the rules are walked, and the answers are awaited
 * together (see {@link RoleSecrets#isMember}). This machine's interfaces, for {@code samehost} and
 * {@code samenet}, are asked for only when such a rule could match.
 */
public final class HbaCheck {

    private HbaCheck() {
    }

    /**
     * The connection to decide on. {@code address} is the client's IP, null on the Unix socket;
     * {@code physicalReplication} for a startup packet with a boolean true {@code replication}.
     */
    public record Connection(String database, String user, InetAddress address, boolean tls, boolean unixSocket,
                             boolean physicalReplication) {
        /** Not a physical replication connection. */
        public Connection(String database, String user, InetAddress address, boolean tls, boolean unixSocket) {
            this(database, user, address, tls, unixSocket, false);
        }

        /** A TCP connection. */
        public Connection(String database, String user, InetAddress address, boolean tls) {
            this(database, user, address, tls, false);
        }
    }

    /**
     * The first rule that matches, or null for none. {@code isMember} answers "is the user a member
     * of this role" and is called only when a rule needs it.
     */
    public static CompletableFuture<HbaRule> firstMatch(List<HbaRule> rules, Connection connection,
                                                        Function<String, CompletableFuture<Boolean>> isMember) {
        return firstMatch(rules, connection, isMember, LocalNetworks::current);
    }

    /** As above, with this machine's interface addresses from {@code localNetworks}. */
    static CompletableFuture<HbaRule> firstMatch(List<HbaRule> rules, Connection connection,
                                                 Function<String, CompletableFuture<Boolean>> isMember,
                                                 Supplier<CompletableFuture<List<HbaRule.Cidr>>> localNetworks) {
        boolean needsNetworks = rules.stream().anyMatch(rule -> rule.address() instanceof HbaRule.LocalAddresses
                && rule.type().matches(connection.unixSocket(), connection.tls()));
        if (!needsNetworks) {
            return firstMatch(rules, new Walk(connection, List.of()), isMember);
        }
        return localNetworks.get().thenCompose(networks -> firstMatch(rules, new Walk(connection, networks), isMember));
    }

    private static CompletableFuture<HbaRule> firstMatch(List<HbaRule> rules, Walk walk,
                                                         Function<String, CompletableFuture<Boolean>> isMember) {
        Connection connection = walk.connection();
        Set<String> groups = new LinkedHashSet<>();
        for (HbaRule rule : rules) {
            if (!walk.matchesWithoutGroups(rule)) {
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
            return CompletableFuture.completedFuture(walk.first(rules, Map.of()));
        }
        Map<String, CompletableFuture<Boolean>> asked = new HashMap<>();
        groups.forEach(group -> asked.put(group, isMember.apply(group)));
        return CompletableFuture.allOf(asked.values().toArray(CompletableFuture[]::new)).thenApply(done -> {
            Map<String, Boolean> membership = new HashMap<>();
            asked.forEach((group, answer) -> membership.put(group, answer.join()));
            return walk.first(rules, membership);
        });
    }

    /** One connection's walk through the rules, with this machine's interface addresses when a rule needs them. */
    private record Walk(Connection connection, List<HbaRule.Cidr> networks) {

        HbaRule first(List<HbaRule> rules, Map<String, Boolean> membership) {
            for (HbaRule rule : rules) {
                if (matchesWithoutGroups(rule) && Boolean.TRUE.equals(databaseMatches(rule, connection, membership))
                        && Boolean.TRUE.equals(userMatches(rule, connection, membership))) {
                    return rule;
                }
            }
            return null;
        }

        boolean matchesWithoutGroups(HbaRule rule) {
            return rule.type().matches(connection.unixSocket(), connection.tls()) && addressMatches(rule.address());
        }

        private boolean addressMatches(HbaRule.Address address) {
            InetAddress client = connection.address();
            if (address == null) {
                return true;
            }
            if (client == null) {
                return false;
            }
            if (address instanceof HbaRule.Cidr range) {
                return range.contains(client);
            }
            if (address == HbaRule.LocalAddresses.SAMEHOST) {
                return networks.stream().anyMatch(own -> own.network().equals(client));
            }
            return networks.stream().anyMatch(own -> own.contains(client)); // samenet
        }
    }

    /** True or false, or null when it depends on a membership not in {@code membership}. */
    private static Boolean databaseMatches(HbaRule rule, Connection connection, Map<String, Boolean> membership) {
        if (connection.physicalReplication()) {
            return rule.databases().stream().anyMatch(name -> name.is("replication"));
        }
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
        }, () -> CompletableFuture.completedFuture(List.of()));
        return groups;
    }
}
