package io.pgmux.proxy.it;

import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.testing.Http;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.PrometheusTextParser;
import io.pgmux.proxy.testing.PrometheusTextParser.Exposition;
import io.pgmux.proxy.testing.PrometheusTextParser.Sample;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.List;

import static io.pgmux.proxy.it.PreparedProtocol.bind;
import static io.pgmux.proxy.it.PreparedProtocol.execute;
import static io.pgmux.proxy.it.PreparedProtocol.parse;
import static io.pgmux.proxy.it.PreparedProtocol.run;
import static io.pgmux.proxy.it.PreparedProtocol.types;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP endpoint: /metrics against known traffic, parsed as Prometheus would; /healthz and /readyz. */
class MetricsIT {
    private static final String USER = "metrics_user";
    private static final String DATABASES = """
            databases:
              metrics_db:
                host: 127.0.0.1
                port: ${PG_PORT}
                dbname: pgmux_test
            """;

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux()
            .role(USER);

    @Test
    void metricsCountKnownTraffic() throws Exception {
        try (Pgmux pgmux = Pgmux.start(DATABASES);
             RawClient client = RawClient.connect(pgmux.host(), pgmux.port(), "metrics_db", USER)) {
            // given: five single-query transactions, one of three queries, and one query that fails (class 42)
            for (int i = 0; i < 5; i++) {
                client.query("SELECT " + i);
            }
            client.query("BEGIN");
            client.query("SELECT 'in a transaction'");
            client.query("COMMIT");
            assertEquals('E', client.query("SELEC 1").get(0).typeChar());

            // when
            Exposition metrics = PrometheusTextParser.parse(get(pgmux.http(), "/metrics").body());

            // then: counters match the traffic exactly
            String[] pool = {"database", "metrics_db", "user", USER};
            assertEquals(7.0, value(metrics, "pgmux_pool_transactions_total", pool));
            assertEquals(9.0, value(metrics, "pgmux_pool_queries_total", pool));
            assertEquals(1.0, value(metrics, "pgmux_pool_errors_total", "database", "metrics_db", "class", "42"));
            assertTrue(value(metrics, "pgmux_pool_received_bytes_total", pool) > 0);
            assertTrue(value(metrics, "pgmux_pool_sent_bytes_total", pool) > 0);
            // one client logged in, holding nothing; one idle server
            assertEquals(1.0, value(metrics, "pgmux_pool_clients", "database", "metrics_db", "state", "active"));
            assertEquals(0.0, value(metrics, "pgmux_pool_clients", "database", "metrics_db", "state", "waiting"));
            assertEquals(1.0, value(metrics, "pgmux_pool_servers", "database", "metrics_db", "state", "idle"));
            assertEquals(0.0, value(metrics, "pgmux_pool_servers", "database", "metrics_db", "state", "active"));
            // histograms: cumulative buckets up to +Inf = count; the query histogram saw nine queries
            assertEquals("histogram", metrics.types().get("pgmux_pool_query_seconds"));
            assertHistogram(metrics, "pgmux_pool_query_seconds", 9, pool);
            assertHistogram(metrics, "pgmux_pool_transaction_seconds", 7, pool);
            assertTrue(value(metrics, "pgmux_pool_wait_seconds_count", pool) >= 7);
            assertTrue(value(metrics, "pgmux_pool_latency_window_seconds", "database", "metrics_db", "kind", "query",
                    "quantile", "1") > 0, "the slowest query of the window");
            // the process
            assertTrue(value(metrics, "pgmux_client_connections") >= 1);
            assertEquals(1.0, value(metrics, "pgmux_ready"));
            assertFalse(metrics.find("pgmux_event_loop_lag_seconds").isEmpty());
            assertTrue(value(metrics, "pgmux_jvm_memory_used_bytes", "area", "heap") > 0);
            System.gc(); // pgmux runs in this JVM: after a collection, what it left is on the heap
            Exposition afterGc = PrometheusTextParser.parse(get(pgmux.http(), "/metrics").body());
            double keptByGc = value(afterGc, "pgmux_jvm_heap_after_gc_bytes");
            assertTrue(keptByGc > 0 && keptByGc <= value(afterGc, "pgmux_jvm_memory_max_bytes", "area", "heap"),
                    "heap after GC " + keptByGc);
            assertTrue(value(metrics, "process_start_time_seconds") > 1.6e9);
            // names follow Prometheus conventions
            for (var family : metrics.types().entrySet()) {
                assertTrue(family.getKey().matches("(pgmux|process)_[a-z0-9_]+"), family.getKey());
                if (family.getValue().equals("counter")) {
                    assertTrue(family.getKey().endsWith("_total"), family.getKey());
                }
                assertTrue(metrics.help().containsKey(family.getKey()), "HELP for " + family.getKey());
            }
        }
    }

    @Test
    void metricsCountNamedPreparedStatements() throws Exception {
        try (Pgmux pgmux = Pgmux.start(DATABASES + "pool_size: 1\n");
             RawClient first = RawClient.connect(pgmux.host(), pgmux.port(), "metrics_db", USER);
             RawClient second = RawClient.connect(pgmux.host(), pgmux.port(), "metrics_db", USER)) {
            // given: a client prepares two statements and binds one three times; another prepares the
            // first text again on the same server and binds it once; an unnamed statement is not counted
            first.send(parse("a", "SELECT $1::int")).send(parse("b", "SELECT $1::int * 2")).sync().flush();
            assertEquals("11Z", types(first.readUntilReady()));
            for (int i = 0; i < 3; i++) {
                assertEquals("2DCZ", types(run(first, "a", "1")));
            }
            second.send(parse("mine", "SELECT $1::int")).send(bind("mine", "2")).send(execute()).sync().flush();
            assertEquals("12DCZ", types(second.readUntilReady()));
            second.send(parse("", "SELECT $1::int + 1")).send(bind("", "3")).send(execute()).sync().flush();
            assertEquals("12DCZ", types(second.readUntilReady()));

            // when
            Exposition metrics = PrometheusTextParser.parse(get(pgmux.http(), "/metrics").body());

            // then
            String[] pool = {"database", "metrics_db", "user", USER};
            assertEquals(3.0, value(metrics, "pgmux_pool_client_parses_total", pool));
            assertEquals(2.0, value(metrics, "pgmux_pool_server_parses_total", pool));
            assertEquals(4.0, value(metrics, "pgmux_pool_binds_total", pool));
            assertEquals("counter", metrics.types().get("pgmux_pool_binds_total"));
        }
    }

    @Test
    void healthzIsOkAndReadyzReportsUpstreams() throws Exception {
        String yaml = DATABASES + """
                  nowhere_db:
                    host: 127.0.0.1
                    port: 1
                """;
        try (Pgmux pgmux = Pgmux.start(yaml)) {
            HttpResponse<String> health = get(pgmux.http(), "/healthz");
            HttpResponse<String> ready = get(pgmux.http(), "/readyz");

            assertEquals(200, health.statusCode());
            assertEquals("ok\n", health.body());
            // ready whatever the upstreams say; the body tells which one answers
            assertEquals(200, ready.statusCode());
            assertTrue(ready.body().startsWith("ready\n"), ready.body());
            assertTrue(ready.body().contains("upstream 127.0.0.1:" + TestPostgres.get().port() + ": reachable"), ready.body());
            assertTrue(ready.body().contains("upstream 127.0.0.1:1: unreachable"), ready.body());
            assertEquals(404, get(pgmux.http(), "/nothing").statusCode());
        }
    }

    @Test
    void readyzFlipsWhenShutdownStarts() throws Exception {
        try (Pgmux pgmux = Pgmux.start(DATABASES + "shutdown_timeout: 30s\n")) {
            HostPort http = pgmux.http();
            RawClient client = RawClient.connect(pgmux.host(), pgmux.port(), "metrics_db", USER);
            // given: ready, and a client in a transaction that keeps the shutdown waiting
            assertEquals(200, get(http, "/readyz").statusCode());
            client.query("BEGIN");

            // when: the shutdown starts
            pgmux.server().shutdownGracefully();

            // then: /readyz says 503 while the transaction finishes; /healthz stays ok
            TestSql.await("/readyz answers 503", () -> status(http, "/readyz") == 503);
            HttpResponse<String> ready = get(http, "/readyz");
            assertTrue(ready.body().startsWith("not ready: shutting down"), ready.body());
            assertEquals(200, get(http, "/healthz").statusCode());
            PrometheusTextParser.Exposition metrics = PrometheusTextParser.parse(get(http, "/metrics").body());
            assertEquals(0.0, value(metrics, "pgmux_ready"));
            client.query("COMMIT");
            assertTrue(client.isClosedByPeer());
        }
    }

    private static void assertHistogram(Exposition metrics, String name, long count, String... pool) {
        List<Sample> buckets = metrics.find(name + "_bucket", pool);
        assertTrue(buckets.size() > 10, name);
        double previous = 0;
        for (Sample bucket : buckets) {
            assertTrue(bucket.value() >= previous, name + " buckets are cumulative: " + buckets);
            previous = bucket.value();
        }
        assertEquals("+Inf", buckets.get(buckets.size() - 1).labels().get("le"));
        assertEquals(count, previous, name + " +Inf bucket");
        assertEquals(count, value(metrics, name + "_count", pool));
        assertTrue(value(metrics, name + "_sum", pool) > 0, name + "_sum");
    }

    private static double value(Exposition metrics, String name, String... labels) {
        return metrics.value(name, labels).orElseThrow(() -> new AssertionError("no sample " + name + " " + List.of(labels)));
    }

    private static int status(HostPort http, String path) {
        try {
            return get(http, path).statusCode();
        } catch (IOException | InterruptedException e) {
            throw new RuntimeException(e);
        }
    }

    private static HttpResponse<String> get(HostPort http, String path) throws IOException, InterruptedException {
        return Http.get(http, path);
    }
}
