package io.pgmux.proxy.config;

import java.util.Optional;

/** Which Netty transport carries the connections. YAML key {@code transport}. */
public enum TransportChoice {
    /** io_uring where the kernel allows it, else epoll, else NIO, without a warning. */
    AUTO("auto"),
    /** Linux io_uring; epoll (then NIO) when the kernel refuses it. */
    IO_URING("io_uring"),
    /** Linux epoll; NIO when it is not there. */
    EPOLL("epoll"),
    /** Java NIO, on every platform. */
    NIO("nio");

    private final String yamlName;

    TransportChoice(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }

    public static Optional<TransportChoice> fromYaml(String name) {
        for (TransportChoice choice : values()) {
            if (choice.yamlName.equals(name)) {
                return Optional.of(choice);
            }
        }
        return Optional.empty();
    }

    /** {@code auto, io_uring, epoll, nio}: for error messages. */
    public static String choices() {
        return YamlNames.join(values(), TransportChoice::yamlName);
    }
}
