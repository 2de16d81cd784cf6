package io.pgmux.proxy.config;

import java.util.Arrays;
import java.util.function.Function;
import java.util.stream.Collectors;

final class YamlNames {
    private YamlNames() {
    }

    static <E> String join(E[] values, Function<E, String> name) {
        return Arrays.stream(values).map(name).collect(Collectors.joining(", "));
    }
}
