/**
 * One client connection from its startup packet to its last byte: login ({@code ClientLogin}), the
 * state machine ({@code SessionState}, {@code ClientSession}), the server it holds ({@code ServerHold},
 * {@code ServerLink} with its {@code SyncPhase} and {@code ReplyQueue}, {@code ClientToServer},
 * {@code ClientRequests}, {@code StreamedClientMessage}, {@code ExtendedReplies}, {@code CommandTag}),
 * named statements ({@code NamedStatements}, {@code SqlStatementNames}, {@code RewrittenQueryReplies}), the client's settings
 * ({@code SettingChanges}) and local replies. Runs on the client's
 * event loop. Uses {@code pool}, {@code backend}, {@code net}, {@code prepared}, {@code sql},
 * {@code config}; opens {@code admin} console sessions (the one arrow against the package order).
 */
package io.pgmux.proxy.client;
