package io.pgmux.proxy.prepared;

import java.util.Arrays;

/**
 * What makes two prepared statements the same for Postgres: the query text, the declared
 * parameter types, and the {@code search_path} the names in the text resolve against (as far as
 * pgmux knows it: the client's startup setting, or null for the server default).
 *
 * <p>A statement prepared by SQL {@code PREPARE name (types) AS ...} declares its types by name, not
 * by number: {@code sqlParameterTypes} is that list as written (null for a protocol Parse, and for a
 * PREPARE without a list, which is the same as a Parse that declares no types).
 */
public record StatementKey(String query, int[] parameterTypes, String searchPath, String sqlParameterTypes) {
    private static final int[] NO_TYPES = new int[0];

    /** A statement of a protocol Parse. */
    public StatementKey(String query, int[] parameterTypes, String searchPath) {
        this(query, parameterTypes, searchPath, null);
    }

    /** A statement of an SQL PREPARE; {@code sqlParameterTypes} null or the list as written. */
    public static StatementKey ofSql(String query, String sqlParameterTypes, String searchPath) {
        return new StatementKey(query, NO_TYPES, searchPath, sqlParameterTypes == null || sqlParameterTypes.isEmpty() ? null : sqlParameterTypes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StatementKey k && query.equals(k.query) && Arrays.equals(parameterTypes, k.parameterTypes)
                && java.util.Objects.equals(searchPath, k.searchPath) && java.util.Objects.equals(sqlParameterTypes, k.sqlParameterTypes);
    }

    @Override
    public int hashCode() {
        return ((query.hashCode() * 31 + Arrays.hashCode(parameterTypes)) * 31 + java.util.Objects.hashCode(searchPath)) * 31
                + java.util.Objects.hashCode(sqlParameterTypes);
    }

    @Override
    public String toString() {
        return "StatementKey[" + query + ", types=" + Arrays.toString(parameterTypes) + ", search_path=" + searchPath
                + (sqlParameterTypes != null ? ", sql types=" + sqlParameterTypes : "") + "]";
    }
}
