package io.pgmux.proxy.config;

public enum PoolMode { TRANSACTION, SESSION }
