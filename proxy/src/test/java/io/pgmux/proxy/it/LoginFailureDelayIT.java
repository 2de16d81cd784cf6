package io.pgmux.proxy.it;

import io.pgmux.proxy.testing.Http;
import io.pgmux.proxy.testing.LogCapture;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.PrometheusTextParser;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.util.PSQLException;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Wrong passwords from one address wait longer and longer (up to a cap) for their error; the wait
 * is scheduled, so it holds back nobody else. Only lower bounds of waits are asserted (a wait is at
 * least its delay whatever the machine's load), and other clients' latency is compared by medians
 * against a bound well under the cap.
 */
class LoginFailureDelayIT {
    private static final String USER = "delay_user";
    private static final String PASSWORD = "right-pw";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().role(USER);

    private static Pgmux start() {
        return fixture.start("client_auth: md5\n"
                + "users:\n  " + USER + ":\n    password: " + PASSWORD + "\n"
                + "auth_failure_delay: 300ms\n"
                + "auth_failure_max_delay: 1200ms\n");
    }

    private static long wrongPasswordMillis(Pgmux pgmux) {
        long started = System.nanoTime();
        PSQLException e = assertThrows(PSQLException.class, () -> pgmux.jdbc(USER, "wrong", Map.of()).close());
        assertEquals("28P01", e.getSQLState());
        return (System.nanoTime() - started) / 1_000_000;
    }

    @Test
    void repeatedFailuresWaitLongerUpToTheCapAndAreCountedAndLoggedOncePerAddress() throws Exception {
        Pgmux pgmux = start();
        long[] millis = new long[6];
        try (LogCapture logs = LogCapture.start()) {
            for (int i = 0; i < millis.length; i++) {
                millis[i] = wrongPasswordMillis(pgmux);
            }

            System.out.println("waits of 6 wrong passwords in a row (ms): " + Arrays.toString(millis));
            assertTrue(millis[0] >= 300 && millis[1] >= 600 && millis[2] >= 1200, Arrays.toString(millis));
            for (int i = 3; i < millis.length; i++) {
                assertTrue(millis[i] >= 1200 && millis[i] < 1200 + 5_000, "capped: " + Arrays.toString(millis));
            }
            assertEquals(1, logs.containing("failed logins from this address").size(), "one line per address per minute");
        }
        double failures = PrometheusTextParser.parse(Http.get(pgmux.http(), "/metrics").body())
                .value("pgmux_client_login_failures_total").orElseThrow();
        assertEquals(millis.length, failures);
        // a login that succeeds starts the address again: the next failure waits the first delay, not the cap
        try (Connection c = pgmux.jdbc(USER, PASSWORD, Map.of())) {
            assertEquals(USER, TestSql.scalar(c, "SELECT session_user"));
        }
        long afterSuccess = wrongPasswordMillis(pgmux);
        assertTrue(afterSuccess >= 300, Long.toString(afterSuccess));
    }

    @Test
    void aLoopOfWrongPasswordsDoesNotSlowOtherClients() throws Exception {
        Pgmux pgmux = start();
        double before = medianLoginMillis(pgmux, 15);

        AtomicBoolean attacking = new AtomicBoolean(true);
        AtomicInteger attempts = new AtomicInteger();
        ExecutorService attackers = Executors.newFixedThreadPool(8);
        double during;
        try {
            for (int i = 0; i < 8; i++) {
                attackers.submit(() -> {
                    while (attacking.get()) {
                        try {
                            pgmux.jdbc(USER, "wrong", Map.of()).close();
                        } catch (Exception expected) {
                            attempts.incrementAndGet();
                        }
                    }
                });
            }
            TestSql.await("the attack is under way", () -> attempts.get() >= 8);
            during = medianLoginMillis(pgmux, 15);
        } finally {
            attacking.set(false);
            attackers.shutdown();
            assertTrue(attackers.awaitTermination(30, TimeUnit.SECONDS));
        }

        System.out.printf("median login+query: %.0f ms alone, %.0f ms during %d wrong passwords%n", before, during, attempts.get());
        // each failing client waits up to 1.2 s: had that wait held an event loop, the others would wait as long
        assertTrue(during < before + 600, "median login+query: " + before + " ms alone, " + during + " ms during the attack");
        assertTrue(attempts.get() >= 8);
    }

    private static double medianLoginMillis(Pgmux pgmux, int logins) throws Exception {
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < logins; i++) {
            long started = System.nanoTime();
            try (Connection c = pgmux.jdbc(USER, PASSWORD, Map.of())) {
                TestSql.scalar(c, "SELECT 1");
            }
            millis.add((System.nanoTime() - started) / 1_000_000);
        }
        millis.sort(null);
        return millis.get(logins / 2);
    }
}
