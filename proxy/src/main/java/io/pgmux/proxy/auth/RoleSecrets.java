package io.pgmux.proxy.auth;

import io.netty.channel.EventLoopGroup;
import io.pgmux.proxy.backend.ServerOpener;
import io.pgmux.proxy.backend.ServerTarget;
import io.pgmux.proxy.config.AuthQueryConfig;
import io.pgmux.proxy.config.DatabaseConfig;
import io.pgmux.proxy.config.PgmuxConfig;
import io.pgmux.proxy.config.UserConfig;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * What pgmux asks Postgres about users, as {@code auth_user}: their secrets ({@code auth_query})
 * and their membership of groups ({@code +group} in HBA rules). Shared by all event loops. An
 * answer is used again for {@code auth_cache_ttl}; while a lookup runs, every client asking the
 * same waits for that one, so a storm of logins costs one query. A failed lookup is not kept: the
 * next login asks again. Nothing here blocks: callers get a future, completed on the lookup
 * connection's loop.
 *
 * <p>The table is bounded: past {@value #MAX_ENTRIES} answers, the finished ones are dropped
 * (made-up names cannot grow it without limit; they only cost lookups).
 */
public final class RoleSecrets {
    static final int MAX_ENTRIES = 10_000;
    /** Direct or indirect membership, as Postgres's {@code +group}; false for a user or group that does not exist. */
    static final String MEMBERSHIP_QUERY = "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles u, pg_catalog.pg_roles g"
            + " WHERE u.rolname = $1 AND g.rolname = $2 AND pg_catalog.pg_has_role(u.oid, g.oid, 'MEMBER'))";

    private record Key(ServerTarget target, String sql, List<String> parameters) {}

    private record Entry(CompletableFuture<List<String>> answer, long startedNanos) {}

    private final ServerOpener opener;
    private final EventLoopGroup group;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<Key, Entry> answers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<ServerTarget, AuthQueryConnection> connections = new ConcurrentHashMap<>();
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
        return ask(config, database, "auth_query", config.authQuery(database).query(), List.of(role))
                .thenApply(row -> new RoleSecret(role, row != null && row.size() >= 2 ? row.get(1) : null, row != null));
    }

    /** Whether {@code user} is a member (directly or not) of role {@code group}, as pg_hba.conf's {@code +group}. */
    public CompletableFuture<Boolean> isMember(PgmuxConfig config, DatabaseConfig database, String user, String group) {
        return ask(config, database, "the group membership query", MEMBERSHIP_QUERY, List.of(user, group))
                .thenApply(row -> row != null && !row.isEmpty() && "t".equals(row.get(0)));
    }

    private CompletableFuture<List<String>> ask(PgmuxConfig config, DatabaseConfig database, String what, String sql,
                                                List<String> parameters) {
        AuthQueryConfig auth = config.authQuery(database);
        if (!auth.enabled()) {
            return CompletableFuture.failedFuture(new AuthLookupException(what + " needs auth_user, which is not set"));
        }
        ServerTarget target = target(config, database);
        Key key = new Key(target, sql, parameters);
        long now = nanoTime.getAsLong();
        long ttl = auth.cacheTtl().toNanos();
        Entry fresh = new Entry(new CompletableFuture<>(), now);
        Entry entry = answers.compute(key, (k, old) -> isUsable(old, now, ttl) ? old : fresh);
        if (entry == fresh) {
            lookups.incrementAndGet();
            fresh.answer().whenComplete((row, failure) -> {
                if (failure != null) {
                    answers.remove(key, fresh);
                }
            });
            if (answers.size() > MAX_ENTRIES) {
                answers.entrySet().removeIf(e -> e.getValue() != fresh && e.getValue().answer().isDone());
            }
            connections.computeIfAbsent(target, t -> new AuthQueryConnection(opener, t, group.next()))
                    .run(what, sql, parameters, fresh.answer());
        }
        return entry.answer();
    }

    /**
     * Where lookups for clients of {@code database} run: the client's database, or {@code auth_dbname}: the
     * entry of that name under {@code databases} (its server and database, as PgBouncer reads the key), else
     * the database of that name on the client's server.
     */
    private static ServerTarget target(PgmuxConfig config, DatabaseConfig database) {
        AuthQueryConfig auth = config.authQuery(database);
        UserConfig authUser = config.users().get(auth.user());
        DatabaseConfig listed = auth.dbname() != null ? config.databases().get(auth.dbname()) : null;
        DatabaseConfig where = listed != null ? listed : database;
        return new ServerTarget(where.server(), listed != null || auth.dbname() == null ? where.dbname() : auth.dbname(),
                auth.user(), authUser != null ? authUser.password() : null, config.serverConnectTimeout(),
                config.serverTls(where));
    }

    private static boolean isUsable(Entry entry, long now, long ttl) {
        if (entry == null) {
            return false;
        }
        CompletableFuture<List<String>> answer = entry.answer();
        return !answer.isDone() || (!answer.isCompletedExceptionally() && now - entry.startedNanos() < ttl);
    }

    /** Lookups started since pgmux started (each served every client that asked meanwhile). */
    public long lookupsStarted() {
        return lookups.get();
    }

    /**
     * A reload: every answer is asked again (a changed auth_query may answer differently), and the
     * connections whose auth_user, password or timeout the config no longer gives close.
     */
    public void onReload(PgmuxConfig config) {
        answers.clear();
        connections.entrySet().removeIf(e -> {
            ServerTarget target = e.getKey();
            UserConfig authUser = config.users().get(target.user());
            boolean named = target.user().equals(config.authQuery().user())
                    || config.databases().values().stream().anyMatch(db -> target.user().equals(config.authQuery(db).user()));
            boolean kept = named && Objects.equals(target.password(), authUser != null ? authUser.password() : null)
                    && target.connectTimeout().equals(config.serverConnectTimeout());
            if (!kept) {
                e.getValue().close();
            }
            return !kept;
        });
    }
}
