/**
 * TLS for both sides of pgmux: which engine runs it ({@link io.pgmux.proxy.tls.TlsEngine}), reading
 * PEM certificates and keys without extra libraries ({@link io.pgmux.proxy.tls.PemFiles}), a
 * certificate with its matching key ({@link io.pgmux.proxy.tls.TlsIdentity}), and Netty
 * {@code SslContext}s built from those ({@link io.pgmux.proxy.tls.TlsContexts}). Every failure is a
 * {@link io.pgmux.proxy.tls.TlsFileException} naming the file and what is wrong with it.
 */
package io.pgmux.proxy.tls;
