package io.pgmux.proxy.config;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * One rule of pg_hba.conf, from the {@code hba} list or the {@code hba_file}. {@code source} says
 * where it was written ({@code hba[2]}, {@code /etc/pgmux/hba.conf:7}), for SHOW CLIENTS and logs.
 * {@code address} is null for {@code all} (and for {@code local} rules).
 */
public record HbaRule(String source, Type type, List<Name> databases, List<Name> users, Address address, HbaMethod method,
                      Options options) {

    /** A rule without options. */
    public HbaRule(String source, Type type, List<Name> databases, List<Name> users, Address address, HbaMethod method) {
        this(source, type, databases, users, address, method, Options.NONE);
    }

    /** The connection types: {@code local} is the Unix domain socket ({@code unix_socket_dir}). */
    public enum Type {
        LOCAL("local"), HOST("host"), HOSTSSL("hostssl"), HOSTNOSSL("hostnossl");

        private final String word;

        Type(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }

        public static Type of(String word) {
            for (Type type : values()) {
                if (type.word.equals(word)) {
                    return type;
                }
            }
            return null;
        }

        /** Whether a connection is of this type: on the Unix socket, else over TCP with or without TLS. */
        public boolean matches(boolean unixSocket, boolean tls) {
            if (unixSocket) {
                return this == LOCAL;
            }
            return this == HOST || (this == HOSTSSL && tls) || (this == HOSTNOSSL && !tls);
        }
    }

    /**
     * The options after the method: {@code map} (a user name map of {@code ident_maps}/{@code ident_file},
     * for cert and peer), {@code clientname} (which part of a client certificate is the name: its CN or
     * its whole DN) and {@code clientcert} (a certificate asked of a hostssl client whatever the method).
     */
    public record Options(String map, ClientName clientName, ClientCert clientCert) {
        public static final Options NONE = new Options(null, ClientName.CN, ClientCert.OFF);

        public Options {
            Objects.requireNonNull(clientName, "clientName");
            Objects.requireNonNull(clientCert, "clientCert");
        }
    }

    /** Option {@code clientname}: the certificate's name a login is checked against. */
    public enum ClientName {
        /** The subject's common name (Postgres's default). */
        CN,
        /** The whole subject, as RFC 2253 writes it ({@code CN=alice,OU=ops,O=Example}). */
        DN
    }

    /** Option {@code clientcert}: what a rule asks of the client's certificate before its method runs. */
    public enum ClientCert {
        OFF("off"),
        /** A certificate signed by {@code client_tls.ca_file}. */
        VERIFY_CA("verify-ca"),
        /** As verify-ca, and its name (through {@code map}, if given) is the user's. Implied by method cert. */
        VERIFY_FULL("verify-full");

        private final String word;

        ClientCert(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }

        /** verify-ca or verify-full, as written in an option; null for anything else (Postgres takes no other value). */
        public static ClientCert of(String word) {
            for (ClientCert value : values()) {
                if (value != OFF && value.word.equals(word)) {
                    return value;
                }
            }
            return null;
        }
    }

    /**
     * What the address column says: a range ({@link Cidr}), or one of Postgres's keywords for the
     * machine pgmux runs on ({@link LocalAddresses}). Null is {@code all}.
     */
    public sealed interface Address permits Cidr, LocalAddresses {
    }

    /** {@code samehost}: any of this machine's own addresses; {@code samenet}: any address in a subnet this machine is on. */
    public enum LocalAddresses implements Address {
        SAMEHOST("samehost"), SAMENET("samenet");

        private final String word;

        LocalAddresses(String word) {
            this.word = word;
        }

        public static LocalAddresses of(String word) {
            for (LocalAddresses value : values()) {
                if (value.word.equals(word)) {
                    return value;
                }
            }
            return null;
        }

        @Override
        public String toString() {
            return word;
        }
    }

    /**
     * A database or user name as written: a keyword ({@code all}, {@code sameuser}, {@code +group}...)
     * only when not quoted, as in pg_hba.conf.
     */
    public record Name(String text, boolean quoted) {
        public Name {
            Objects.requireNonNull(text, "text");
        }

        public boolean is(String keyword) {
            return !quoted && text.equals(keyword);
        }

        /** The group of a {@code +group} entry, or null. */
        public String group() {
            return !quoted && text.startsWith("+") && text.length() > 1 ? text.substring(1) : null;
        }

        @Override
        public String toString() {
            return quoted ? "\"" + text.replace("\"", "\"\"") + "\"" : text;
        }
    }

    /** An address range: the network's bytes and the prefix length. */
    public record Cidr(InetAddress network, int prefix) implements Address {
        public boolean contains(InetAddress address) {
            byte[] a = address.getAddress();
            byte[] n = network.getAddress();
            if (a.length != n.length) {
                return false;
            }
            int bits = prefix;
            for (int i = 0; i < a.length && bits > 0; i++, bits -= 8) {
                int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
                if ((a[i] & mask) != (n[i] & mask)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String toString() {
            return network.getHostAddress() + "/" + prefix;
        }
    }

    public HbaRule {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(options, "options");
        databases = List.copyOf(databases);
        users = List.copyOf(users);
    }
}
