/**
 * The PostgreSQL frontend/backend wire protocol, version 3.0: framing, the typed views of the
 * messages a proxy decides on, encoders for the messages it writes itself, SQLSTATE codes and the
 * password math (MD5, SCRAM-SHA-256). No pooling and no I/O: depends on netty-buffer only.
 */
package io.pgmux.protocol;
