package io.pgmux.proxy.prepared;

import java.util.Arrays;

/**
 * What makes two prepared statements the same for Postgres: the query text, the declared
 * parameter types, and the {@code search_path} the names in the text resolve against (as far as
 * pgmux knows it: the client's startup setting, or null for the server default).
 */
public record StatementKey(String query, int[] parameterTypes, String searchPath) {

    @Override
    public boolean equals(Object o) {
        return o instanceof StatementKey k && query.equals(k.query) && Arrays.equals(parameterTypes, k.parameterTypes)
                && java.util.Objects.equals(searchPath, k.searchPath);
    }

    @Override
    public int hashCode() {
        return (query.hashCode() * 31 + Arrays.hashCode(parameterTypes)) * 31 + java.util.Objects.hashCode(searchPath);
    }

    @Override
    public String toString() {
        return "StatementKey[" + query + ", types=" + Arrays.toString(parameterTypes) + ", search_path=" + searchPath + "]";
    }
}
