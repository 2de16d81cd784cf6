package io.pgmux.proxy.config;

import java.util.Objects;

/**
 * A user clients may log in as. {@code password} is plaintext, an MD5 hash or a SCRAM-SHA-256
 * verifier (see {@link PasswordFormat}), with {@code ${ENV}} references already replaced; null when
 * the user has none (only possible with {@code client_auth: trust}).
 */
public record UserConfig(String name, String password) {

    public UserConfig {
        Objects.requireNonNull(name, "name");
    }

    /** The format of {@link #password()}, or null when there is none. */
    public PasswordFormat passwordFormat() {
        return password == null ? null : PasswordFormat.of(password);
    }

    /** Never shows the password. */
    @Override
    public String toString() {
        return "UserConfig[name=" + name + ", password=" + (password == null ? "none" : "***") + "]";
    }
}
