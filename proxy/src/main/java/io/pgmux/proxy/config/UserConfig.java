package io.pgmux.proxy.config;

public record UserConfig(String name, String password) {}
