package io.pgmux.proxy.backend;

import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.config.ServerTlsConfig;

import java.time.Duration;

/**
 * Where a new server connection goes and as whom it logs in: the Postgres address, the database and
 * user named in its StartupMessage, and the password ({@code null}, plaintext or an md5 secret).
 * {@code connectTimeout} bounds the TCP connect and, separately, the start of TLS (SSLRequest
 * and handshake) and the login; zero means no bound. {@code tls} says whether and how the connection uses TLS.
 */
public record ServerTarget(HostPort server, String database, String user, String password, Duration connectTimeout,
                           ServerTlsConfig tls) {}
