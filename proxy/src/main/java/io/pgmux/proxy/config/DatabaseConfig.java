package io.pgmux.proxy.config;

import java.util.Objects;

/**
 * Where clients asking for database {@code name} are sent, with every default applied.
 *
 * @param name     the database name clients connect to (the key under {@code databases})
 * @param server   the Postgres server to connect to
 * @param dbname   the database on that server
 * @param user     the login user on the server; null = the client's user
 * @param password the server login password; null = the password of the login user in
 *                 {@code users}, if there is one, looked up when connecting
 * @param poolSize maximum server connections per (database, user) pool
 * @param poolMode when server connections go back to the pool
 * @param preparedStatements this database's {@code prepared_statements}; null = the global setting
 */
public record DatabaseConfig(String name, HostPort server, String dbname, String user, String password,
                             int poolSize, PoolMode poolMode, PreparedStatementMode preparedStatements) {

    public DatabaseConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(dbname, "dbname");
        Objects.requireNonNull(poolMode, "poolMode");
        if (server.port() == 0) {
            throw new IllegalArgumentException("server port must be 1..65535");
        }
        if (poolSize < 1) {
            throw new IllegalArgumentException("poolSize must be at least 1 (got " + poolSize + ")");
        }
    }

    DatabaseConfig withPoolSize(int newPoolSize) {
        return new DatabaseConfig(name, server, dbname, user, password, newPoolSize, poolMode, preparedStatements);
    }

    DatabaseConfig withPoolMode(PoolMode newPoolMode) {
        return new DatabaseConfig(name, server, dbname, user, password, poolSize, newPoolMode, preparedStatements);
    }

    /** Never shows the password. */
    @Override
    public String toString() {
        return "DatabaseConfig[name=" + name + ", server=" + server + ", dbname=" + dbname
                + ", user=" + (user == null ? "(client's)" : user)
                + ", password=" + (password == null ? "(default)" : "***")
                + ", poolSize=" + poolSize + ", poolMode=" + poolMode.yamlName()
                + ", preparedStatements=" + (preparedStatements == null ? "(global)" : preparedStatements.yamlName()) + "]";
    }
}
