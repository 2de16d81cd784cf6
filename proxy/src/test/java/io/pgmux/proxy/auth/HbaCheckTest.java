package io.pgmux.proxy.auth;

import io.pgmux.proxy.config.HbaRule;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class HbaCheckTest {

    private static List<HbaRule> rules(String text) {
        List<String> errors = new ArrayList<>();
        List<HbaRule> rules = io.pgmux.proxy.config.HbaTestRules.parse(text, errors);
        assertEquals(List.of(), errors);
        return rules;
    }

    private static HbaCheck.Connection from(String ip, String database, String user, boolean tls) throws UnknownHostException {
        return new HbaCheck.Connection(database, user, InetAddress.getByName(ip), tls);
    }

    private static String match(List<HbaRule> rules, HbaCheck.Connection connection, Set<String> groupsOfUser) {
        HbaRule rule = HbaCheck.firstMatch(rules, connection,
                group -> CompletableFuture.completedFuture(groupsOfUser.contains(group))).join();
        return rule == null ? null : rule.source().substring(rule.source().lastIndexOf(':') + 1);
    }

    @Test
    void theFirstMatchingRuleWinsByTypeAddressDatabaseAndUser() throws UnknownHostException {
        List<HbaRule> rules = rules("""
                local     all   all                trust
                hostssl   all   all   0.0.0.0/0    md5
                host      app   bob   10.1.0.0/16  reject
                hostnossl app   all   10.0.0.0/8   scram-sha-256
                host      all   all   ::1/128      trust
                """);

        assertEquals("3", match(rules, from("10.1.2.3", "app", "bob", false), Set.of()));
        assertEquals("4", match(rules, from("10.2.2.3", "app", "bob", false), Set.of()));
        assertEquals("2", match(rules, from("10.2.2.3", "app", "bob", true), Set.of()));
        assertEquals("5", match(rules, from("::1", "other", "bob", false), Set.of()));
        assertNull(match(rules, from("192.168.0.1", "app", "bob", false), Set.of()));
    }

    @Test
    void aPhysicalReplicationConnectionMatchesOnlyTheReplicationKeywordAndALogicalOneItsDatabase() throws UnknownHostException {
        List<HbaRule> rules = rules("""
                host all         all  127.0.0.1/32 reject
                host replication all  127.0.0.1/32 trust
                host replication all  10.0.0.0/8   md5
                host app         all  10.0.0.0/8   scram-sha-256
                """);
        InetAddress local = InetAddress.getByName("127.0.0.1");
        InetAddress remote = InetAddress.getByName("10.0.0.1");

        assertEquals("2", match(rules, new HbaCheck.Connection("app", "bob", local, false, false, true), Set.of()));
        assertEquals("3", match(rules, new HbaCheck.Connection("app", "bob", remote, false, false, true), Set.of()));
        assertEquals("1", match(rules, new HbaCheck.Connection("app", "bob", local, false, false, false), Set.of()),
                "a logical replication connection (or a normal one) is matched by its database");
        assertEquals("4", match(rules, from("10.0.0.1", "app", "bob", false), Set.of()));
        assertNull(match(rules, from("10.0.0.1", "replication", "bob", false), Set.of()),
                "the keyword is no database name");
    }

    @Test
    void keywordsMatchOnlyUnquoted() throws UnknownHostException {
        List<HbaRule> rules = rules("""
                host "all"    all  all  reject
                host sameuser all  all  md5
                host app      "+g" all  trust
                host samerole all  all  password
                """);

        assertEquals("1", match(rules, from("127.0.0.1", "all", "x", false), Set.of()));
        assertEquals("2", match(rules, from("127.0.0.1", "alice", "alice", false), Set.of()));
        assertEquals("3", match(rules, from("127.0.0.1", "app", "+g", false), Set.of()));
        assertEquals("4", match(rules, from("127.0.0.1", "team", "alice", false), Set.of("team")));
        assertNull(match(rules, from("127.0.0.1", "team", "alice", false), Set.of()));
    }

    @Test
    void groupsAreAskedOnlyWhenTheyCanDecide() throws UnknownHostException {
        List<HbaRule> rules = rules("""
                host all +admins  10.0.0.0/8 trust
                host all +readers all        reject
                host all alice    all        md5
                host all +late    all        md5
                """);

        assertEquals(List.of("readers"), HbaCheck.groupsAsked(rules, from("192.168.0.1", "db", "alice", false)));
        assertEquals(List.of("admins", "readers"), HbaCheck.groupsAsked(rules, from("10.0.0.1", "db", "alice", false)));
        assertEquals("2", match(rules, from("192.168.0.1", "db", "alice", false), Set.of("readers")));
        assertEquals("3", match(rules, from("192.168.0.1", "db", "alice", false), Set.of("late")));
    }

    @Test
    void localRulesMatchOnlyTheUnixSocketAndHostRulesOnlyTcp() throws UnknownHostException {
        List<HbaRule> rules = rules("""
                host    all all all  reject
                local   app all      peer
                local   all all      trust
                """);
        HbaCheck.Connection socket = new HbaCheck.Connection("app", "bob", null, false, true);

        assertEquals("2", match(rules, socket, Set.of()));
        assertEquals("3", match(rules, new HbaCheck.Connection("other", "bob", null, false, true), Set.of()));
        assertEquals("1", match(rules, from("127.0.0.1", "app", "bob", false), Set.of()));
    }

    @Test
    void samehostIsAnAddressOfThisMachineAndSamenetOneOfItsSubnets() throws UnknownHostException {
        List<HbaRule> rules = rules("""
                host all all samehost trust
                host all all samenet  md5
                """);
        List<HbaRule.Cidr> networks = List.of(new HbaRule.Cidr(InetAddress.getByName("10.1.2.3"), 24),
                new HbaRule.Cidr(InetAddress.getByName("127.0.0.1"), 8));
        int[] asked = {0};
        java.util.function.Function<HbaCheck.Connection, String> check = connection -> {
            HbaRule rule = HbaCheck.firstMatch(rules, connection, group -> CompletableFuture.completedFuture(false), () -> {
                asked[0]++;
                return CompletableFuture.completedFuture(networks);
            }).join();
            return rule == null ? null : rule.source().substring(rule.source().lastIndexOf(':') + 1);
        };

        assertEquals("1", check.apply(from("10.1.2.3", "app", "bob", false)));
        assertEquals("1", check.apply(from("127.0.0.1", "app", "bob", false)));
        assertEquals("2", check.apply(from("10.1.2.200", "app", "bob", false)));
        assertEquals("2", check.apply(from("127.8.9.10", "app", "bob", false)));
        assertNull(check.apply(from("10.1.3.1", "app", "bob", false)));
        assertEquals(5, asked[0]);
        assertNull(check.apply(new HbaCheck.Connection("app", "bob", null, false, true)));
        assertEquals(5, asked[0], "a socket client matches no address rule: the interfaces are not asked for");
    }

    @Test
    void theRealInterfacesIncludeLoopback() throws UnknownHostException {
        List<HbaRule> rules = rules("host all all samehost trust\n");

        assertEquals("1", match(rules, from("127.0.0.1", "app", "bob", false), Set.of()));
        assertNull(match(rules, from("192.0.2.1", "app", "bob", false), Set.of()));
    }
}
