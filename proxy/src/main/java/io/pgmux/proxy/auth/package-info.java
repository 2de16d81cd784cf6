/**
 * Looking up the secrets of users that are not in pgmux's config, in Postgres itself
 * ({@code auth_user}, {@code auth_query}): one small connection per lookup target, a cache, and one
 * lookup in flight per user however many of its clients log in at once.
 */
package io.pgmux.proxy.auth;
