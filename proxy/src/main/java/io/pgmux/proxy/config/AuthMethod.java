package io.pgmux.proxy.config;

public enum AuthMethod { TRUST, PASSWORD, MD5, SCRAM_SHA_256 }
