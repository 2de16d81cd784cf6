package io.pgmux.proxy.config;

public record HostPort(String host, int port) {
    public static HostPort parse(String s) {
        int i = s.lastIndexOf(':');
        String host = s.substring(0, i);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new HostPort(host, Integer.parseInt(s.substring(i + 1)));
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
