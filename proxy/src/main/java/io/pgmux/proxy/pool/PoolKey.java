package io.pgmux.proxy.pool;

/** A pool serves one (database, user) pair, named as clients name them. */
public record PoolKey(String database, String user) {
    @Override
    public String toString() {
        return database + "/" + user;
    }
}
