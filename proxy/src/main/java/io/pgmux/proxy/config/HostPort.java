package io.pgmux.proxy.config;

import java.util.Objects;

/**
 * A host and a TCP port, written {@code host:port} or {@code [ipv6]:port} in the YAML and on the
 * command line. Port 0 is allowed here (it means "any free port" for {@code listen}); callers that
 * need a real port check it themselves.
 */
public record HostPort(String host, int port) {

    public HostPort {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535 (got " + port + ")");
        }
    }

    /**
     * Parses {@code host:port}, {@code [::1]:port}. The message of the exception is meant to follow
     * a YAML path or an option name: {@code expected host:port (got "6432")}.
     */
    public static HostPort parse(String text) {
        Objects.requireNonNull(text, "text");
        String host;
        String port;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
                throw expected(text);
            }
            host = text.substring(1, close);
            port = text.substring(close + 2);
        } else {
            int colon = text.lastIndexOf(':');
            if (colon < 0 || text.indexOf(':') != colon) {
                throw expected(text); // no port, or an unbracketed IPv6 address
            }
            host = text.substring(0, colon);
            port = text.substring(colon + 1);
        }
        if (host.isBlank() || port.isEmpty()) {
            throw expected(text);
        }
        for (int i = 0; i < port.length(); i++) {
            if (port.charAt(i) < '0' || port.charAt(i) > '9') {
                throw expected(text);
            }
        }
        int number = port.length() > 5 ? Integer.MAX_VALUE : Integer.parseInt(port);
        if (number > 65535) {
            throw new IllegalArgumentException("port must be 0..65535 (got \"" + text + "\")");
        }
        return new HostPort(host, number);
    }

    private static IllegalArgumentException expected(String text) {
        return new IllegalArgumentException("expected host:port (got \"" + text + "\")");
    }

    /** {@code host:port}, with an IPv6 host in brackets so that the result parses back. */
    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
