package io.pgmux.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.Future;
import io.pgmux.bench.net.ConnectSettings;
import io.pgmux.bench.net.PgConnection;
import io.pgmux.bench.net.RoundTripListener;
import io.pgmux.bench.stats.ErrorTally;
import io.pgmux.bench.stats.LatencySummary;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.Query;
import org.HdrHistogram.Recorder;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Opens {@code n} client connections with at most {@code concurrency} logins in flight. With
 * {@code firstQuery}, a client counts as ready only once it has also run {@code SELECT 1} (so a
 * pooler has had to find it a server). Each client's time from {@link #start} until ready is
 * recorded in microseconds. Connections that become ready after {@link #abandon} are closed.
 */
final class ConnectBatch {
    private static final ByteBuf SELECT_1 = selectOne();

    private final Bootstrap bootstrap;
    private final ConnectSettings settings;
    private final int n;
    private final int concurrency;
    private final boolean firstQuery;
    private final PgConnection[] ready;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger readyCount = new AtomicInteger();
    private final AtomicLong lastReady = new AtomicLong();
    private final AtomicBoolean abandoned = new AtomicBoolean();
    private final CountDownLatch settled;
    private final ErrorTally errors = new ErrorTally();
    private final Recorder readyTimes = new Recorder(LatencySummary.HIGHEST_MICROS, LatencySummary.SIGNIFICANT_DIGITS);
    private long start;

    ConnectBatch(Bootstrap bootstrap, ConnectSettings settings, int n, int concurrency, boolean firstQuery) {
        this.bootstrap = bootstrap;
        this.settings = settings;
        this.n = n;
        this.concurrency = Math.min(n, concurrency);
        this.firstQuery = firstQuery;
        this.ready = new PgConnection[n];
        this.settled = new CountDownLatch(n);
    }

    private static ByteBuf selectOne() {
        ByteBuf buf = Unpooled.buffer();
        new Query("SELECT 1").encode(buf);
        return Unpooled.unreleasableBuffer(buf.asReadOnly());
    }

    /** Starts connecting; returns at once. */
    ConnectBatch start() {
        start = System.nanoTime();
        for (int i = 0; i < concurrency; i++) {
            launch();
        }
        return this;
    }

    /** Waits until every client is ready or failed, or {@code timeoutMillis} passed; true if all settled. */
    boolean await(long timeoutMillis) throws InterruptedException {
        return settled.await(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    int settledCount() {
        return n - (int) settled.getCount();
    }

    int readyCount() {
        return readyCount.get();
    }

    long startNanos() {
        return start;
    }

    /** When the last client became ready ({@link System#nanoTime}), 0 if none did. */
    long lastReadyNanos() {
        return lastReady.get();
    }

    ErrorTally errors() {
        return errors;
    }

    Recorder readyTimes() {
        return readyTimes;
    }

    /** Stops waiting: clients that are still logging in are closed when they get there. */
    void abandon() {
        abandoned.set(true);
        long pending = settled.getCount();
        if (pending > 0) {
            errors.add("not ready in time: still connecting when given up", pending);
        }
    }

    /** The ready connections (call after {@link #await}/{@link #abandon}). */
    List<PgConnection> connections() {
        List<PgConnection> list = new ArrayList<>(readyCount.get());
        synchronized (ready) {
            for (PgConnection c : ready) {
                if (c != null) {
                    list.add(c);
                }
            }
        }
        return list;
    }

    private void launch() {
        int index = next.getAndIncrement();
        if (index >= n || abandoned.get()) {
            return;
        }
        Future<PgConnection> login = PgConnection.connect(bootstrap, settings);
        login.addListener(f -> {
            if (!f.isSuccess()) {
                failed(f.cause().getMessage());
                return;
            }
            PgConnection connection = login.getNow();
            if (!firstQuery) {
                becameReady(index, connection);
                return;
            }
            connection.roundTrip(SELECT_1.duplicate(), new RoundTripListener() {
                @Override
                public void onReady(TransactionStatus status, String error) {
                    if (error == null) {
                        becameReady(index, connection);
                    } else {
                        connection.close();
                        failed("first query: " + error);
                    }
                }

                @Override
                public void onClosed(String reason) {
                    failed("first query: " + reason);
                }
            });
        });
    }

    private void becameReady(int index, PgConnection connection) {
        long now = System.nanoTime();
        if (abandoned.get()) {
            connection.close();
            return;
        }
        synchronized (ready) {
            ready[index] = connection;
        }
        readyTimes.recordValue(Math.min(LatencySummary.HIGHEST_MICROS, (now - start) / 1_000));
        lastReady.accumulateAndGet(now, Math::max);
        readyCount.incrementAndGet();
        settled.countDown();
        launch();
    }

    private void failed(String reason) {
        if (abandoned.get()) {
            return;
        }
        errors.add(reason == null ? "connect failed" : reason);
        settled.countDown();
        launch();
    }
}
