package io.pgmux.proxy.auth;

/**
 * What {@code auth_query} said of a user: its secret (an md5 hash or a SCRAM verifier, as in
 * {@code pg_authid.rolpassword}), or null when it may not log in (no such role, NOLOGIN, an expired
 * password, no password): the client then fails as with a wrong password. {@code found}: the query
 * returned a row for it, with or without a secret (what {@code trust_users} asks of a name it does not list).
 */
public record RoleSecret(String role, String secret, boolean found) {

    /** Found when it has a secret. */
    public RoleSecret(String role, String secret) {
        this(role, secret, secret != null);
    }

    public boolean mayLogIn() {
        return secret != null && !secret.isEmpty();
    }

    /** Never shows the secret. */
    @Override
    public String toString() {
        return "RoleSecret[" + role + (mayLogIn() ? ", secret]" : ", none]");
    }
}
