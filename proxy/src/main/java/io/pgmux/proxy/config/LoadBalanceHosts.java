package io.pgmux.proxy.config;

import java.util.Optional;

/**
 * Which host of a database's host list a new server connection tries first. YAML key
 * {@code load_balance_hosts} of a database; it matters only when {@code host} lists several.
 */
public enum LoadBalanceHosts {
    /** Each new connection starts at the host after the one the previous connection started at. */
    ROUND_ROBIN("round-robin"),
    /** Every new connection starts at the same host until that host cannot be reached; then at the next. */
    DISABLE("disable");

    private final String yamlName;

    LoadBalanceHosts(String yamlName) {
        this.yamlName = yamlName;
    }

    /** The spelling used in the YAML file and in SHOW DATABASES. */
    public String yamlName() {
        return yamlName;
    }

    public static Optional<LoadBalanceHosts> fromYaml(String name) {
        for (LoadBalanceHosts mode : values()) {
            if (mode.yamlName.equals(name)) {
                return Optional.of(mode);
            }
        }
        return Optional.empty();
    }

    /** {@code round-robin, disable}: for error messages. */
    public static String choices() {
        return YamlNames.join(values(), LoadBalanceHosts::yamlName);
    }
}
