package io.pgmux.proxy.auth;

/**
 * What {@code auth_query} said of a user: its secret (an md5 hash or a SCRAM verifier, as in
 * {@code pg_authid.rolpassword}), or null when it may not log in (no such role, NOLOGIN, an expired
 * password, no password): the client then fails as with a wrong password.
 */
public record RoleSecret(String role, String secret) {

    public boolean mayLogIn() {
        return secret != null && !secret.isEmpty();
    }

    /** Never shows the secret. */
    @Override
    public String toString() {
        return "RoleSecret[" + role + (mayLogIn() ? ", secret]" : ", none]");
    }
}
