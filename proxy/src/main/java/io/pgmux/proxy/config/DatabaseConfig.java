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
 * @param limits   this database's {@code min_pool_size}, {@code reserve_pool_size} and
 *                 {@code max_db_connections}, each null where the global key applies
 * @param sessionFeatures this database's {@code session_features}; null = the global setting
 * @param serverTls this database's {@code server_tls} (the global one with what it changes); null = the global one
 * @param authQuery this database's {@code auth_user}, {@code auth_query} and {@code auth_dbname}, each null
 *                  where the global key applies; null when it sets none
 * @param connectQuery this database's {@code connect_query}; null = the global one ("" = none, whatever the global says)
 * @param hosts    every host of {@code host} (the first is {@code server}) and {@code load_balance_hosts};
 *                 null = {@code server} alone
 */
public record DatabaseConfig(String name, HostPort server, String dbname, String user, String password,
                             int poolSize, PoolMode poolMode, PreparedStatementMode preparedStatements,
                             DatabaseLimits limits, SessionFeaturesPolicy sessionFeatures, ServerTlsConfig serverTls,
                             DatabaseAuthQuery authQuery, String connectQuery, ServerHosts hosts) {

    /** A database's own {@code auth_user}, {@code auth_query}, {@code auth_dbname}: null = the global one. */
    public record DatabaseAuthQuery(String user, String query, String dbname) {}

    public DatabaseConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(dbname, "dbname");
        Objects.requireNonNull(poolMode, "poolMode");
        Objects.requireNonNull(limits, "limits");
        if (server.port() == 0) {
            throw new IllegalArgumentException("server port must be 1..65535");
        }
        if (poolSize < 1) {
            throw new IllegalArgumentException("poolSize must be at least 1 (got " + poolSize + ")");
        }
        if (hosts == null) {
            hosts = ServerHosts.single(server);
        } else if (!hosts.hosts().get(0).equals(server)) {
            throw new IllegalArgumentException("server must be the first of hosts");
        }
    }

    /**
     * Database {@code name} on {@code server} under the same name, logged into as the client's user with the
     * client's password, every other key global: where a database that {@code databases} does not list goes.
     */
    public static DatabaseConfig forwarding(String name, HostPort server, int poolSize, PoolMode poolMode) {
        return new DatabaseConfig(name, server, name, null, null, poolSize, poolMode, null, DatabaseLimits.GLOBAL, null, null,
                null, null, null);
    }

    DatabaseConfig withPoolSize(int newPoolSize) {
        return new DatabaseConfig(name, server, dbname, user, password, newPoolSize, poolMode, preparedStatements, limits,
                sessionFeatures, serverTls, authQuery, connectQuery, hosts);
    }

    DatabaseConfig withPoolMode(PoolMode newPoolMode) {
        return new DatabaseConfig(name, server, dbname, user, password, poolSize, newPoolMode, preparedStatements, limits,
                sessionFeatures, serverTls, authQuery, connectQuery, hosts);
    }

    /** Never shows the password. */
    @Override
    public String toString() {
        return "DatabaseConfig[name=" + name + ", server=" + server
                + (hosts.isList() ? ", hosts=" + hosts.hostNames() + " (" + hosts.balance().yamlName() + ")" : "")
                + ", dbname=" + dbname
                + ", user=" + (user == null ? "(client's)" : user)
                + ", password=" + (password == null ? "(default)" : "***")
                + ", poolSize=" + poolSize + ", poolMode=" + poolMode.yamlName()
                + ", preparedStatements=" + (preparedStatements == null ? "(global)" : preparedStatements.yamlName())
                + ", limits=" + limits
                + ", sessionFeatures=" + (sessionFeatures == null ? "(global)" : sessionFeatures.yamlName())
                + ", serverTls=" + (serverTls == null ? "(global)" : serverTls) + "]";
    }
}
