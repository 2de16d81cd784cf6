package io.pgmux.proxy.http;

/** The answer of a health endpoint: its status (200 when {@code ok}, else 503) and a text body. */
public record Health(boolean ok, String body) {}
