/**
 * Netty plumbing shared by both sides: the frame decoder (with the login-time size cap), write
 * batching, the outbox a session fills for its server, transports (io_uring, epoll or NIO), address helpers.
 * Uses {@code config} (limits) and {@code protocol}.
 */
package io.pgmux.proxy.net;
