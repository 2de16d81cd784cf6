package io.pgmux.proxy.pool;

/** What a client that logged in gets from {@link PoolRegistry#join}: its pool, or why it has none. */
public sealed interface PoolJoin {
    /** The client counts in {@code pool} until it calls {@link Pool#onClientLeft}. */
    record Joined(Pool pool) implements PoolJoin {}

    /** The database is not served (or no longer: the config was reloaded while the client logged in). */
    record UnknownDatabase() implements PoolJoin {}

    /** The database was disabled by the admin console's DISABLE: new logins are refused until ENABLE. */
    record Disabled() implements PoolJoin {}

    /** The client needs a new pool, {@code max_pools} exist and none of them is unused. */
    record TooManyPools(int maxPools) implements PoolJoin {}
}
