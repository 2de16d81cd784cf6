package io.pgmux.proxy.config;

public record DatabaseConfig(String name, HostPort server, String dbname, String user, String password, int poolSize, PoolMode poolMode) {}
