package io.pgmux.proxy.pool;

import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.config.ConfigException;
import io.pgmux.proxy.config.ConfigLoader;
import io.pgmux.proxy.config.PgmuxConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Which pools share a server budget, and the limits they get from the config: per database over its
 * users, per user over its databases, a database's or user's own value over the global key, and a
 * reload's new values. Servers are asked of a fake opener and never logged in.
 */
class PoolRegistryBudgetTest {
    @RegisterExtension
    final TestLoops loops = new TestLoops();
    private final FakeOpener opener = loops.opener;


    @Test
    void thePoolsOfADatabaseShareItsBudgetAndEachUserHasOne() throws ConfigException {
        PoolRegistry pools = registry("""
                max_db_connections: 5
                max_user_connections: 7
                users: {alice: {max_user_connections: 2}}
                databases: {app: {max_db_connections: 3}, other: {}}
                """);
        join(pools, "app", "alice");
        join(pools, "app", "bob");
        join(pools, "other", "alice");

        assertEquals(Optional.of(new ConnectionBudgetView(0, 3)), pools.databaseBudget("app"));
        assertEquals(Optional.of(new ConnectionBudgetView(0, 5)), pools.databaseBudget("other"));
        assertEquals(Optional.of(new ConnectionBudgetView(0, 2)), pools.userBudget("alice"));
        assertEquals(Optional.of(new ConnectionBudgetView(0, 7)), pools.userBudget("bob"));
    }

    @Test
    void serversOfEveryPoolOfADatabaseCountAgainstItsLimit() throws ConfigException {
        // given a database limited to two servers
        PoolRegistry pools = registry("databases: {app: {max_db_connections: 2}}\n");
        Pool alice = join(pools, "app", "alice");
        Pool bob = join(pools, "app", "bob");

        // when two clients of one user and one of another need servers
        alice.acquire(loops.waiter());
        alice.acquire(loops.waiter());
        bob.acquire(loops.waiter());

        // then two servers are asked for, and the third client waits
        assertEquals(2, opener.pending());
        assertEquals(Optional.of(new ConnectionBudgetView(2, 2)), pools.databaseBudget("app"));
        assertEquals(1, bob.counts().waiting());
        assertEquals(0, bob.counts().connectingServers());
    }

    @Test
    void aReloadSetsTheNewLimits() throws ConfigException {
        PoolRegistry pools = registry("max_db_connections: 1\n");
        join(pools, "app", "alice");

        pools.apply(parse("max_db_connections: 4\nmax_user_connections: 9\n"));

        assertEquals(Optional.of(new ConnectionBudgetView(0, 4)), pools.databaseBudget("app"));
        assertEquals(Optional.of(new ConnectionBudgetView(0, 9)), pools.userBudget("alice"));
    }

    @Test
    void aShareAmongPeerReplicasCapsEveryDatabaseAndClosesIdleServersOverIt() throws ConfigException {
        // given a database budget of twelve, and three servers of this replica, two idle
        PoolRegistry pools = registry("max_db_connections: 12\n");
        Pool alice = join(pools, "app", "alice");
        loops.holdOne(alice);
        ServerConnection idle1 = loops.holdOne(alice);
        ServerConnection idle2 = loops.holdOne(alice);
        alice.release(idle1);
        alice.release(idle2);
        assertEquals(Map.of("app", 3), pools.databaseUsed());

        // when the peers leave this replica a share of one in twelve
        pools.applyShares(limit -> limit / 12);

        // then the idle servers close at once, the busy one stays
        assertEquals(Map.of("app", 1), pools.databaseUsed());
        assertEquals(0, alice.counts().idleServers());
        // and a database first used later is capped the same way
        Pool bob = join(pools, "other", "bob");
        bob.acquire(loops.waiter());
        bob.acquire(loops.waiter());
        assertEquals(1, opener.pending());
    }

    @Test
    void aReloadThatLowersALimitClosesIdleServersOverIt() throws ConfigException {
        PoolRegistry pools = registry("max_db_connections: 3\n");
        Pool alice = join(pools, "app", "alice");
        ServerConnection idle1 = loops.holdOne(alice);
        ServerConnection idle2 = loops.holdOne(alice);
        alice.release(idle1);
        alice.release(idle2);

        pools.apply(parse("max_db_connections: 1\n"));

        assertEquals(Optional.of(new ConnectionBudgetView(1, 1)), pools.databaseBudget("app"));
        assertEquals(1, alice.counts().idleServers());
    }

    private PoolRegistry registry(String yaml) throws ConfigException {
        return new PoolRegistry(parse(yaml), opener);
    }

    private static PgmuxConfig parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml, Map.of());
    }

    private static Pool join(PoolRegistry pools, String database, String user) {
        return ((PoolJoin.Joined) pools.join(database, user)).pool();
    }

}
