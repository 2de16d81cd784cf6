package io.pgmux.proxy.config;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * One rule of pg_hba.conf, from the {@code hba} list or the {@code hba_file}. {@code source} says
 * where it was written ({@code hba[2]}, {@code /etc/pgmux/hba.conf:7}), for SHOW CLIENTS and logs.
 * {@code address} is null for {@code all} (and for {@code local} rules).
 */
public record HbaRule(String source, Type type, List<Name> databases, List<Name> users, Cidr address, HbaMethod method) {

    /** The connection types: {@code local} is a Unix socket, which pgmux does not listen on (such rules never match). */
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

        /** Whether a TCP connection, over TLS or not, is of this type. */
        public boolean matchesTcp(boolean tls) {
            return this == HOST || (this == HOSTSSL && tls) || (this == HOSTNOSSL && !tls);
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
    public record Cidr(InetAddress network, int prefix) {
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
        databases = List.copyOf(databases);
        users = List.copyOf(users);
    }
}
