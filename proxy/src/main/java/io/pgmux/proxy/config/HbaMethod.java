package io.pgmux.proxy.config;

import java.util.Optional;

/** The method of an HBA rule: how a client it admits must prove who it is, or that it may not. */
public enum HbaMethod {
    TRUST("trust", AuthMethod.TRUST),
    REJECT("reject", null),
    PASSWORD("password", AuthMethod.PASSWORD),
    MD5("md5", AuthMethod.MD5),
    SCRAM_SHA_256("scram-sha-256", AuthMethod.SCRAM_SHA_256),
    /**
     * A client certificate signed by {@code client_tls.ca_file} whose CN (or DN, option {@code clientname})
     * is the user, or maps to it through option {@code map}; rules of type hostssl only.
     */
    CERT("cert", null),
    /**
     * The OS user the kernel reports for the client's process (SO_PEERCRED) is the user, or maps to it
     * through option {@code map}; rules of type local only.
     */
    PEER("peer", null);

    private final String yamlName;
    private final AuthMethod authMethod;

    HbaMethod(String yamlName, AuthMethod authMethod) {
        this.yamlName = yamlName;
        this.authMethod = authMethod;
    }

    public String yamlName() {
        return yamlName;
    }

    /** The password exchange this method runs; null for reject, cert and peer. */
    public AuthMethod authMethod() {
        return authMethod;
    }

    public static Optional<HbaMethod> fromYaml(String name) {
        for (HbaMethod method : values()) {
            if (method.yamlName.equals(name)) {
                return Optional.of(method);
            }
        }
        return Optional.empty();
    }

    public static String choices() {
        return YamlNames.join(values(), HbaMethod::yamlName);
    }
}
