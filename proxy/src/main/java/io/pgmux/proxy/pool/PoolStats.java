package io.pgmux.proxy.pool;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * What happened in one pool, recorded from every event loop without locks: counters (LongAdder)
 * and latency recorders (HdrHistogram's {@link Recorder}, which readers sample as interval
 * histograms). Times are in microseconds, as PgBouncer reports them.
 */
public final class PoolStats {
    private static final long MAX_TRACKED_MICROS = TimeUnit.HOURS.toMicros(1);

    private final LongAdder transactions = new LongAdder();
    private final LongAdder queries = new LongAdder();
    private final LongAdder bytesReceived = new LongAdder();
    private final LongAdder bytesSent = new LongAdder();
    private final LongAdder waitMicros = new LongAdder();
    private final LongAdder transactionMicros = new LongAdder();
    private final LongAdder queryMicros = new LongAdder();
    private final LongAdder clientWaits = new LongAdder();
    private final LongAdder[] errorsByClass = new LongAdder[36 * 36];
    private final Recorder waitTimes = new Recorder(MAX_TRACKED_MICROS, 3);
    private final Recorder transactionTimes = new Recorder(MAX_TRACKED_MICROS, 3);
    private final Recorder queryTimes = new Recorder(MAX_TRACKED_MICROS, 3);

    public PoolStats() {
        for (int i = 0; i < errorsByClass.length; i++) {
            errorsByClass[i] = new LongAdder();
        }
    }

    /** A client waited this long for a server (whether it got one or not). */
    public void onClientWaited(long nanos) {
        long micros = toMicros(nanos);
        clientWaits.increment();
        waitMicros.add(micros);
        waitTimes.recordValue(micros);
    }

    /** A client held a server for this long: one transaction (one server lease). */
    public void onTransaction(long nanos) {
        long micros = toMicros(nanos);
        transactions.increment();
        transactionMicros.add(micros);
        transactionTimes.recordValue(micros);
    }

    /** A query (a Query, or an extended batch up to its Sync) took this long, send to ReadyForQuery. */
    public void onQuery(long nanos) {
        long micros = toMicros(nanos);
        queries.increment();
        queryMicros.add(micros);
        queryTimes.recordValue(micros);
    }

    public void onBytesFromClient(long bytes) {
        bytesReceived.add(bytes);
    }

    public void onBytesToClient(long bytes) {
        bytesSent.add(bytes);
    }

    /** An error went to a client; counted by the SQLSTATE's class (its first two characters). */
    public void onError(String sqlState) {
        int index = errorClassIndex(sqlState);
        if (index >= 0) {
            errorsByClass[index].increment();
        }
    }

    public long transactions() {
        return transactions.sum();
    }

    public long queries() {
        return queries.sum();
    }

    public long bytesReceived() {
        return bytesReceived.sum();
    }

    public long bytesSent() {
        return bytesSent.sum();
    }

    public long totalWaitMicros() {
        return waitMicros.sum();
    }

    public long totalTransactionMicros() {
        return transactionMicros.sum();
    }

    public long totalQueryMicros() {
        return queryMicros.sum();
    }

    public long clientWaits() {
        return clientWaits.sum();
    }

    /** Errors sent to clients whose SQLSTATE class is {@code sqlStateClass} (e.g. "08"). */
    public long errors(String sqlStateClass) {
        int index = errorClassIndex(sqlStateClass);
        return index < 0 ? 0 : errorsByClass[index].sum();
    }

    /** The wait times recorded since the previous call (the recorder's interval histogram). */
    public Histogram takeWaitTimes() {
        return waitTimes.getIntervalHistogram();
    }

    public Histogram takeTransactionTimes() {
        return transactionTimes.getIntervalHistogram();
    }

    public Histogram takeQueryTimes() {
        return queryTimes.getIntervalHistogram();
    }

    private static long toMicros(long nanos) {
        return Math.min(Math.max(nanos / 1000, 0), MAX_TRACKED_MICROS);
    }

    private static int errorClassIndex(String sqlState) {
        if (sqlState == null || sqlState.length() < 2) {
            return -1;
        }
        int a = Character.digit(sqlState.charAt(0), 36);
        int b = Character.digit(sqlState.charAt(1), 36);
        return a < 0 || b < 0 ? -1 : a * 36 + b;
    }
}
