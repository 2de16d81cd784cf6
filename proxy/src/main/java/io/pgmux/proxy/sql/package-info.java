/**
 * Reading SQL text, the little pgmux needs of it: which command a statement is ({@link
 * io.pgmux.proxy.sql.SqlCommand}: DEALLOCATE, PREPARE, DISCARD ALL, SET, RESET), the statements
 * of a multi-statement query ({@link io.pgmux.proxy.sql.MultiStatementQuery}), calls of
 * set_config ({@link io.pgmux.proxy.sql.SetConfigCalls}), the session features a query takes ({@link
 * io.pgmux.proxy.sql.SessionFeatures}), and where SQL PREPARE/EXECUTE/DEALLOCATE name a statement ({@link
 * io.pgmux.proxy.sql.NamedStatementSql}). Everything else here is package-private:
 * the byte checks that let ordinary queries pass undecoded, the lexer of quotes and comments, the
 * statement splitter, the word reader and the reader of SET values.
 *
 * <p>Reads only, and keeps no state between calls: what a client or a server does with a command
 * is decided in {@code client/}. May use Netty's buffers and the JDK; nothing of pgmux's own
 * packages ({@code client/}, {@code pool/}, {@code backend/} and the rest use this one, never the
 * other way round).
 */
package io.pgmux.proxy.sql;
