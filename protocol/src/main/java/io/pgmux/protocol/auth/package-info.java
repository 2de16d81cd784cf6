/**
 * Password math for the two password methods pgmux speaks: MD5 and SCRAM-SHA-256 (RFC 5802,
 * RFC 7677), as PostgreSQL implements them. No I/O and no dependencies beyond the JDK.
 *
 * <ul>
 *   <li>{@link io.pgmux.protocol.auth.Md5Password}: the {@code md5...} secret and the answer to
 *       {@code AuthenticationMD5Password}.</li>
 *   <li>{@link io.pgmux.protocol.auth.ScramSecret}: the {@code SCRAM-SHA-256$...} secret Postgres
 *       keeps in {@code pg_authid}, derived from a password with SASLprep as Postgres does.</li>
 *   <li>{@link io.pgmux.protocol.auth.ScramClient}: pgmux logging into a server.</li>
 *   <li>{@link io.pgmux.protocol.auth.ScramServer}: pgmux authenticating a client.</li>
 * </ul>
 *
 * <p>The key derivation (4096 HMAC-SHA-256 rounds by default) takes a few milliseconds of CPU;
 * callers on an event loop should account for that.
 */
package io.pgmux.protocol.auth;
