package io.pgmux.proxy.auth;

import io.netty.channel.EventLoopGroup;
import io.pgmux.proxy.backend.ServerOpener;
import io.pgmux.proxy.backend.ServerTarget;
import io.pgmux.proxy.config.AuthQueryConfig;
import io.pgmux.proxy.config.DatabaseConfig;
import io.pgmux.proxy.config.PgmuxConfig;
import io.pgmux.proxy.config.UserConfig;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The secrets of users looked up with {@code auth_query}, shared by all event loops. An answer (a
 * secret or "none") is used again for {@code auth_cache_ttl}; while a lookup runs, every client of
 * the same user waits for that one, so a storm of logins costs one query. A failed lookup is not
 * kept: the next login asks again. Nothing here blocks: callers get a future, completed on the
 * lookup connection's loop.
 *
 * <p>The table is bounded: past {@value #MAX_ENTRIES} users, answers are dropped (made-up names
 * cannot grow it without limit; they only cost lookups).
 */
public final class RoleSecrets {
    static final int MAX_ENTRIES = 10_000;

    private record Target(ServerTarget server, String query) {}

    private record Key(Target target, String role) {}

    private record Entry(CompletableFuture<RoleSecret> answer, long startedNanos) {}

    private final ServerOpener opener;
    private final EventLoopGroup group;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<Key, Entry> answers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Target, AuthQueryConnection> connections = new ConcurrentHashMap<>();
    private final AtomicLong lookups = new AtomicLong();

    public RoleSecrets(ServerOpener opener, EventLoopGroup group) {
        this(opener, group, System::nanoTime);
    }

    RoleSecrets(ServerOpener opener, EventLoopGroup group, LongSupplier nanoTime) {
        this.opener = opener;
        this.group = group;
        this.nanoTime = nanoTime;
    }

    /**
     * The secret of {@code role}, asked of the server of {@code database} (in {@code auth_dbname},
     * else that database) unless a fresh enough answer or a running lookup exists.
     */
    public CompletableFuture<RoleSecret> lookup(PgmuxConfig config, DatabaseConfig database, String role) {
        AuthQueryConfig auth = config.authQuery();
        UserConfig authUser = config.users().get(auth.user());
        ServerTarget server = new ServerTarget(database.server(), auth.dbname() != null ? auth.dbname() : database.dbname(),
                auth.user(), authUser != null ? authUser.password() : null, config.serverConnectTimeout());
        Target target = new Target(server, auth.query());
        Key key = new Key(target, role);
        long now = nanoTime.getAsLong();
        long ttl = auth.cacheTtl().toNanos();
        Entry fresh = new Entry(new CompletableFuture<>(), now);
        Entry entry = answers.compute(key, (k, old) -> isUsable(old, now, ttl) ? old : fresh);
        if (entry == fresh) {
            lookups.incrementAndGet();
            fresh.answer().whenComplete((secret, failure) -> {
                if (failure != null) {
                    answers.remove(key, fresh);
                }
            });
            if (answers.size() > MAX_ENTRIES) {
                answers.entrySet().removeIf(e -> e.getValue() != fresh && e.getValue().answer().isDone());
            }
            connections.computeIfAbsent(target, t -> new AuthQueryConnection(opener, t.server(), t.query(), group.next()))
                    .lookup(role, fresh.answer());
        }
        return entry.answer();
    }

    private static boolean isUsable(Entry entry, long now, long ttl) {
        if (entry == null) {
            return false;
        }
        CompletableFuture<RoleSecret> answer = entry.answer();
        return !answer.isDone() || (!answer.isCompletedExceptionally() && now - entry.startedNanos() < ttl);
    }

    /** Lookups started since pgmux started (each served every client that asked meanwhile). */
    public long lookupsStarted() {
        return lookups.get();
    }

    /**
     * A reload: connections whose settings left the config close, and every answer is asked
     * again (a changed auth_query may answer differently).
     */
    public void onReload(PgmuxConfig config) {
        answers.clear();
        connections.entrySet().removeIf(e -> {
            ServerTarget server = e.getKey().server();
            AuthQueryConfig auth = config.authQuery();
            UserConfig authUser = auth.user() == null ? null : config.users().get(auth.user());
            boolean kept = server.user().equals(auth.user()) && e.getKey().query().equals(auth.query())
                    && java.util.Objects.equals(server.password(), authUser != null ? authUser.password() : null)
                    && server.connectTimeout().equals(config.serverConnectTimeout());
            if (!kept) {
                e.getValue().close();
            }
            return !kept;
        });
    }
}
