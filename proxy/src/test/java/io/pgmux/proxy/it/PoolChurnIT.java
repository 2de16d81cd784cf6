package io.pgmux.proxy.it;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.message.AuthenticationRequest;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.SaslInitialResponse;
import io.pgmux.protocol.message.SaslResponse;
import io.pgmux.protocol.message.StartupMessage;
import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.pool.Pool;
import io.pgmux.proxy.pool.PoolCounts;
import io.pgmux.proxy.pool.PoolRegistry;
import io.pgmux.proxy.testing.Console;
import io.pgmux.proxy.testing.Http;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.PrometheusTextParser;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.pgmux.proxy.testing.TestPostgres.DATABASE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pools come and go with the clients that logged in: a failed login makes none, an unused pool is
 * removed after {@code pool_idle_timeout}, and at most {@code max_pools} exist. A stream of new user
 * names costs nothing that stays.
 */
class PoolChurnIT {
    private static final String SCRAM_USER = "churn_scram";
    private static final String SCRAM_PASSWORD = "churn-pw";
    private static final String ADMIN = "churn_admin";
    private static final String BUSY_USER = "churn_busy";
    private static final String RACE_USER = "churn_race";
    private static final List<String> LIMIT_USERS = List.of("churn_a", "churn_b", "churn_c");

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux()
            .roles(SCRAM_USER, BUSY_USER, RACE_USER)
            .roles(LIMIT_USERS.toArray(String[]::new));

    @Test
    void failedScramLoginsWithRandomNamesLeaveNoPoolAndNoMetrics() throws Exception {
        // auth_failure_delay: 0, or the 1,000 wrong proofs from one address would each wait up to 5 s for their error
        try (Pgmux pgmux = Pgmux.start("client_auth: scram-sha-256\nauth_failure_delay: 0\nusers:\n  " + SCRAM_USER
                + ":\n    password: \"" + SCRAM_PASSWORD + "\"\n")) {
            // given one pool in use, made by a client that logged in
            try (Connection c = pgmux.jdbc(SCRAM_USER, SCRAM_PASSWORD, Map.of())) {
                assertEquals(SCRAM_USER, TestSql.scalar(c, "SELECT current_user"));
            }
            PoolRegistry pools = pgmux.server().pools();
            assertEquals(List.of(DATABASE + "/" + SCRAM_USER), poolNames(pools));
            String metricsBefore = metrics(pgmux.http());

            // when 2,000 strangers with random user and database names fail to log in: half with a
            // wrong SCRAM proof, half hanging up after the startup packet
            int threads = 4;
            int perThread = 500;
            ExecutorService executor = Executors.newFixedThreadPool(threads);
            try {
                List<Future<Integer>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    done.add(executor.submit(() -> {
                        int refused = 0;
                        for (int i = 0; i < perThread; i++) {
                            refused += failScramLogin(pgmux, "u_" + randomHex(), "d_" + randomHex(), i % 2 == 0) ? 1 : 0;
                        }
                        return refused;
                    }));
                }
                int refused = 0;
                for (Future<Integer> future : done) {
                    refused += future.get(120, TimeUnit.SECONDS);
                }
                // then every wrong proof got 28P01
                assertEquals(threads * perThread / 2, refused);
            } finally {
                executor.shutdownNow();
            }

            // and the pools and /metrics are what they were
            assertEquals(List.of(DATABASE + "/" + SCRAM_USER), poolNames(pools));
            TestSql.await("the strangers' connections are gone", () -> pgmux.server().sessions().connectedCount() == 0);
            String metricsAfter = metrics(pgmux.http());
            assertEquals(1.0, PrometheusTextParser.parse(metricsAfter).value("pgmux_pools").orElseThrow());
            assertTrue(metricsAfter.length() < metricsBefore.length() + 2048,
                    "/metrics grew from " + metricsBefore.length() + " to " + metricsAfter.length() + " characters");
            assertEquals(0, PrometheusTextParser.parse(metricsAfter).find("pgmux_pool_clients").stream()
                    .filter(sample -> sample.labels().get("user").startsWith("u_")).count());
        }
    }

    @Test
    void aPoolWhoseServerLoginFailedIsRemovedOnceUnused() throws Exception {
        try (Pgmux pgmux = Pgmux.start("pool_idle_timeout: 2s\nadmin_users: [" + ADMIN + "]\n");
             RawClient console = pgmux.console(ADMIN)) {
            String stranger = "churn_nobody_" + randomHex();
            PoolRegistry pools = pgmux.server().pools();

            // given a login under trust as a role Postgres does not know
            ErrorResponse error = loginError(pgmux, DATABASE, stranger);
            assertEquals("28000", error.sqlState(), error::toString);
            assertEquals("role \"" + stranger + "\" does not exist", error.message());

            // then it made a pool (the client had logged in to pgmux), which is there for now
            assertTrue(pools.pool(DATABASE, stranger).isPresent(), "pool_idle_timeout has not passed yet");
            assertEquals(1, Console.show(console, "SHOW POOLS").where("user", stranger).size());

            // and which goes once unused for pool_idle_timeout, from SHOW POOLS, SHOW STATS and /metrics too
            TestSql.await("the stranger's pool is removed", () -> pools.pool(DATABASE, stranger).isEmpty());
            assertEquals(0, Console.show(console, "SHOW POOLS").where("user", stranger).size());
            assertEquals(0, Console.show(console, "SHOW POOLS").where("database", DATABASE).size());
            assertEquals(0, Console.show(console, "SHOW STATS").where("database", DATABASE).size());
            assertTrue(!metrics(pgmux.http()).contains(stranger), "no series names the stranger");
            assertEquals(0, Pgmux.serverConnections(DATABASE, stranger));
        }
    }

    @Test
    void pastMaxPoolsALoginGets53300AndMakesNothingUntilAPoolIsUnused() throws Exception {
        try (Pgmux pgmux = Pgmux.start("max_pools: 2\nserver_idle_timeout: 1s\n");
             Connection a = pgmux.jdbc(LIMIT_USERS.get(0));
             Connection b = pgmux.jdbc(LIMIT_USERS.get(1))) {
            PoolRegistry pools = pgmux.server().pools();
            assertEquals(1, TestSql.intScalar(a, "SELECT 1"));
            assertEquals(2, TestSql.intScalar(b, "SELECT 2"));

            // when a third user logs in while both pools have a client
            PSQLException e = assertThrows(PSQLException.class, () -> pgmux.jdbc(LIMIT_USERS.get(2)).close());

            // then it is refused with 53300 naming the setting, and nothing was made for it
            ServerErrorMessage refusal = e.getServerErrorMessage();
            assertNotNull(refusal, e::getMessage);
            assertEquals("FATAL", refusal.getSeverity());
            assertEquals("53300", refusal.getSQLState());
            assertEquals("too many pools: pgmux allows 2 (max_pools), one per database and user, and every one is in use",
                    refusal.getMessage());
            assertEquals(List.of(DATABASE + "/churn_a", DATABASE + "/churn_b"), poolNames(pools));
            assertEquals(0, Pgmux.serverConnections(DATABASE, LIMIT_USERS.get(2)));
            assertEquals(3, TestSql.intScalar(a, "SELECT 3"), "the clients that have pools go on");

            // and once b's client has left and its server has gone idle and closed, c takes the room
            b.close();
            TestSql.await("b's pool has no client and no server, not even a closing one", () -> {
                PoolCounts counts = pools.pool(DATABASE, "churn_b").orElseThrow().counts();
                return counts.clients() == 0 && counts.servers() == 0 && counts.closingServers() == 0;
            });
            try (Connection c = pgmux.jdbc(LIMIT_USERS.get(2))) {
                assertEquals("churn_c", TestSql.scalar(c, "SELECT current_user"));
                assertEquals(List.of(DATABASE + "/churn_a", DATABASE + "/churn_c"), poolNames(pools));
            }
            assertEquals(4, TestSql.intScalar(a, "SELECT 4"));
        }
    }

    @Test
    void aPoolInUseIsNeverRemovedAndClientsArrivingWhilePoolsAreRemovedAreServed() throws Exception {
        try (Pgmux pgmux = Pgmux.start("pool_idle_timeout: 1ms\nserver_idle_timeout: 200ms\npool_size: 2\n");
             Connection busy = pgmux.jdbc(BUSY_USER)) {
            PoolRegistry pools = pgmux.server().pools();
            assertEquals(1, TestSql.intScalar(busy, "SELECT 1"));
            Pool busyPool = pools.pool(DATABASE, BUSY_USER).orElseThrow();

            // given removal attempted all the time (besides pgmux's own sweep every second)
            AtomicBoolean stop = new AtomicBoolean();
            Thread sweeper = new Thread(() -> {
                while (!stop.get()) {
                    pools.removeUnused();
                    sleepMillis(1);
                }
            }, "test-sweeper");
            sweeper.start();
            Set<Pool> racePools = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
            ExecutorService executor = Executors.newFixedThreadPool(3);
            try {
                // when three clients of another user log in, query and leave over and over, in rounds; after
                // each round all three wait, away, until the pool has been removed, so every round after the
                // first logs in while a pool is being made again or removed (the sweeper never stops)
                int rounds = 3;
                CyclicBarrier allAway = new CyclicBarrier(3, () -> TestSql.await(
                        "the race user's pool is removed while its clients are away",
                        () -> pools.pool(DATABASE, RACE_USER).isEmpty()));
                List<Future<Integer>> done = new ArrayList<>();
                for (int t = 0; t < 3; t++) {
                    done.add(executor.submit(() -> {
                        int served = 0;
                        for (int round = 0; round < rounds; round++) {
                            for (int i = 0; i < 5; i++) {
                                try (Connection c = pgmux.jdbc(RACE_USER)) {
                                    pools.pool(DATABASE, RACE_USER).ifPresent(racePools::add);
                                    served += TestSql.intScalar(c, "SELECT 1");
                                }
                                sleepMillis(ThreadLocalRandom.current().nextInt(300));
                            }
                            allAway.await(60, TimeUnit.SECONDS);
                        }
                        return served;
                    }));
                }
                // while the busy client stays logged in, holding no server most of the time
                for (int i = 0; i < 8; i++) {
                    sleepMillis(1000);
                    assertEquals(i, TestSql.intScalar(busy, "SELECT " + i));
                }

                // then every login was served, and each round had a pool of its own
                int logins = 0;
                for (Future<Integer> future : done) {
                    logins += future.get(120, TimeUnit.SECONDS);
                }
                assertEquals(3 * rounds * 5, logins);
                assertTrue(racePools.size() >= rounds, "the race user's pool was not made again after removal: "
                        + racePools.size() + " pool(s) in " + rounds + " rounds");
            } finally {
                stop.set(true);
                sweeper.join(5_000);
                executor.shutdownNow();
            }

            // and the busy client's pool is the one it joined, counted right, and still serves it
            assertSame(busyPool, pools.pool(DATABASE, BUSY_USER).orElseThrow());
            assertEquals(1, busyPool.counts().clients());
            assertEquals("ok", TestSql.scalar(busy, "SELECT 'ok'"));
            // and the race user's pool, if any is left, has no client, and Postgres agrees on its servers
            TestSql.await("the race user's servers are closed", () -> pools.pool(DATABASE, RACE_USER)
                    .map(pool -> pool.counts().clients() == 0 && pool.counts().servers() == 0).orElse(true));
            assertEquals(0, Pgmux.serverConnections(DATABASE, RACE_USER));
            TestSql.await("the race user's pool is removed", () -> pools.pool(DATABASE, RACE_USER).isEmpty());
            Pool fresh;
            try (Connection again = pgmux.jdbc(RACE_USER)) {
                assertEquals(1, TestSql.intScalar(again, "SELECT 1"));
                fresh = pools.pool(DATABASE, RACE_USER).orElseThrow();
            }
            assertTrue(!racePools.contains(fresh), "a new pool after the last one was removed");
            assertNotSame(busyPool, fresh);
        }
    }

    // ---------------------------------------------------------------- helpers

    /**
     * Starts a SCRAM login as {@code user}; with {@code wrongProof} it answers the challenge with a
     * random proof and returns whether pgmux said 28P01, otherwise it hangs up after the startup.
     */
    private static boolean failScramLogin(Pgmux pgmux, String user, String database, boolean wrongProof) throws IOException {
        try (RawClient raw = RawClient.open(pgmux.host(), pgmux.port())) {
            raw.send(startup(database, user)).flush();
            AuthenticationRequest request = AuthenticationRequest.decode(raw.read().buf());
            assertEquals(Backend.AUTH_SASL, request.code(), request::toString);
            if (!wrongProof) {
                raw.kill();
                return false;
            }
            String clientNonce = randomHex();
            raw.send(new SaslInitialResponse("SCRAM-SHA-256", ascii("n,,n=,r=" + clientNonce))).flush();
            AuthenticationRequest serverFirst = AuthenticationRequest.decode(raw.read().buf());
            String nonce = attribute(new String(serverFirst.data(), StandardCharsets.US_ASCII), "r");
            assertTrue(nonce.startsWith(clientNonce), nonce);
            byte[] proof = new byte[32];
            ThreadLocalRandom.current().nextBytes(proof);
            raw.send(new SaslResponse(ascii("c=biws,r=" + nonce + ",p=" + Base64.getEncoder().encodeToString(proof)))).flush();
            RawClient.Reply reply = raw.read();
            assertEquals(Backend.ERROR_RESPONSE, reply.type(), reply::toString);
            assertEquals("password authentication failed for user \"" + user + "\"", reply.error().message());
            return reply.error().sqlState().equals("28P01");
        }
    }

    /** Logs in under trust and returns the error that ends the login; before it pgmux sends only AuthenticationOk. */
    private static ErrorResponse loginError(Pgmux pgmux, String database, String user) throws IOException {
        List<RawClient.Reply> replies = TestSql.loginRefusal(pgmux.host(), pgmux.port(), Map.of("user", user, "database", database));
        for (RawClient.Reply reply : replies.subList(0, replies.size() - 1)) {
            assertTrue(reply.type() == Backend.AUTHENTICATION, "before the error only AuthenticationOk: " + reply);
        }
        return replies.get(replies.size() - 1).error();
    }

    private static StartupMessage startup(String database, String user) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", user);
        parameters.put("database", database);
        return new StartupMessage(Frontend.PROTOCOL_3_0, parameters);
    }

    private static String attribute(String message, String name) {
        for (String part : message.split(",")) {
            if (part.startsWith(name + "=")) {
                return part.substring(name.length() + 1);
            }
        }
        throw new AssertionError("no " + name + "= in " + message);
    }

    private static List<String> poolNames(PoolRegistry pools) {
        return pools.all().stream().map(pool -> pool.key().toString()).sorted().toList();
    }

    private static String metrics(HostPort http) throws IOException, InterruptedException {
        HttpResponse<String> response = Http.get(http, "/metrics");
        assertEquals(200, response.statusCode());
        return response.body();
    }

    private static String randomHex() {
        byte[] bytes = new byte[8];
        ThreadLocalRandom.current().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
