package io.pgmux.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.pgmux.bench.net.PgConnection;
import io.pgmux.bench.net.RoundTripListener;
import io.pgmux.bench.scenario.Transactions;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.Query;

import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Drives one connection through transactions until the run's window ends, on the connection's
 * event loop. Closed loop by default: the next transaction starts when the last one is answered.
 * With a rate, transaction {@code k} is due at {@code firstDue + k * interval}; a late client starts
 * at once, and with coordinated-omission correction its latency counts from when it was due.
 *
 * <p>A transaction in which the server reports an error is counted as failed; if the server is
 * left inside a transaction block, a {@code ROLLBACK} is sent before the next one.
 */
final class LoadClient implements RoundTripListener {
    private static final ByteBuf ROLLBACK = rollback();

    private final PgConnection connection;
    private final Transactions transactions;
    private final RunState run;
    private final SplittableRandom random;
    private final long intervalNanos;
    private final boolean coCorrect;
    private final CountDownLatch finished;
    private final ByteBufAllocator alloc;

    private ByteBuf[] steps;
    private int step;
    private long due;
    private long begin;
    private String error;
    private boolean rollingBack;
    private boolean done;

    LoadClient(PgConnection connection, Transactions transactions, RunState run, long seed, long intervalNanos,
            long firstDue, boolean coCorrect, CountDownLatch finished) {
        this.connection = connection;
        this.transactions = transactions;
        this.run = run;
        this.random = new SplittableRandom(seed);
        this.intervalNanos = intervalNanos;
        this.due = firstDue;
        this.coCorrect = coCorrect;
        this.finished = finished;
        this.alloc = connection.channel().alloc();
    }

    private static ByteBuf rollback() {
        ByteBuf buf = Unpooled.buffer();
        new Query("ROLLBACK").encode(buf);
        return Unpooled.unreleasableBuffer(buf.asReadOnly());
    }

    /** Starts the first transaction (from any thread). */
    void start() {
        connection.eventLoop().execute(this::schedule);
    }

    private void schedule() {
        long now = System.nanoTime();
        if (!run.running(now) || !connection.isOpen()) {
            finish();
            return;
        }
        if (intervalNanos > 0 && due - now > 0) {
            connection.eventLoop().schedule(this::begin, due - now, TimeUnit.NANOSECONDS);
        } else {
            begin();
        }
    }

    private void begin() {
        long now = System.nanoTime();
        if (!run.running(now) || !connection.isOpen()) {
            finish();
            return;
        }
        begin = intervalNanos > 0 && coCorrect ? due : now;
        error = null;
        rollingBack = false;
        steps = transactions.next(alloc, random);
        step = 0;
        send(steps[0]);
    }

    private void send(ByteBuf messages) {
        connection.roundTrip(messages, this);
    }

    @Override
    public void onReady(TransactionStatus status, String roundTripError) {
        if (roundTripError != null && error == null) {
            error = roundTripError;
        }
        if (rollingBack) {
            complete();
        } else if (error != null) {
            releaseRemaining();
            if (status != TransactionStatus.IDLE) {
                rollingBack = true;
                send(ROLLBACK.duplicate());
            } else {
                complete();
            }
        } else if (++step < steps.length) {
            send(steps[step]);
        } else {
            complete();
        }
    }

    private void complete() {
        steps = null;
        run.record(begin, System.nanoTime(), error);
        if (intervalNanos > 0) {
            due += intervalNanos;
        }
        schedule();
    }

    @Override
    public void onClosed(String reason) {
        releaseRemaining();
        steps = null;
        if (run.running(System.nanoTime())) {
            // after the window the generator closes connections itself: that loses nobody
            run.lost.increment();
            run.error("connection lost: " + reason);
        }
        finish();
    }

    private void releaseRemaining() {
        if (steps != null) {
            for (int i = step + 1; i < steps.length; i++) {
                steps[i].release();
            }
            step = steps.length;
        }
    }

    private void finish() {
        if (!done) {
            done = true;
            finished.countDown();
        }
    }
}
