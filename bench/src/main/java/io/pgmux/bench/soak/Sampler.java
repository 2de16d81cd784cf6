package io.pgmux.bench.soak;

import io.pgmux.bench.sys.ProcStats;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads one pgmux process's gauges: resident memory and open descriptors from {@code /proc}, the
 * rest from its {@code /metrics}. A source that does not answer (pgmux busy restarting its pools,
 * say) gives NaN for its gauges in that sample, never an exception.
 */
public final class Sampler {
    private static final double MB = 1024.0 * 1024.0;

    private final long pid;
    private final URI metrics;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final long startNanos = System.nanoTime();
    private double lastTransactions = Double.NaN;
    private double lastElapsed;

    public Sampler(long pid, URI metrics) {
        this.pid = pid;
        this.metrics = metrics;
    }

    public Sample sample() {
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        Map<Gauge, Double> values = new EnumMap<>(Gauge.class);
        values.put(Gauge.RSS, ProcStats.rssBytes(pid).isPresent() ? ProcStats.rssBytes(pid).getAsLong() / MB : Double.NaN);
        values.put(Gauge.OPEN_FDS, openFds());
        MetricsText text = scrape();
        values.put(Gauge.HEAP_AFTER_GC, text.sum("pgmux_jvm_heap_after_gc_bytes") / MB);
        values.put(Gauge.DIRECT_MEMORY, text.sum("pgmux_netty_direct_memory_used_bytes") / MB);
        values.put(Gauge.SERVER_CONNECTIONS, text.sum("pgmux_pool_servers"));
        values.put(Gauge.CLIENT_CONNECTIONS, text.sum("pgmux_client_connections"));
        double transactions = text.sum("pgmux_pool_transactions_total");
        // a pool removed while idle takes its count with it: a falling total gives no rate
        values.put(Gauge.TRANSACTIONS_PER_SECOND, transactions >= lastTransactions
                ? (transactions - lastTransactions) / (elapsed - lastElapsed) : Double.NaN);
        lastTransactions = transactions;
        lastElapsed = elapsed;
        return new Sample(elapsed, values);
    }

    private double openFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.count();
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private MetricsText scrape() {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new MetricsText(response.statusCode() == 200 ? response.body() : "");
        } catch (IOException e) {
            return new MetricsText("");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new MetricsText("");
        }
    }
}
