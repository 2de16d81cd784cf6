package io.pgmux.proxy.pool;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * What happened in one pool, recorded from every event loop without locks: counters (LongAdder)
 * and latency distributions ({@link LatencyWindow}). Times are in microseconds, as PgBouncer
 * reports them.
 */
public final class PoolStats {
    private static final long MAX_TRACKED_MICROS = TimeUnit.HOURS.toMicros(1);
    static final Duration DEFAULT_WINDOW = Duration.ofSeconds(60);

    /**
     * Every counter at one moment; the difference of two is what happened in between.
     *
     * @param clientParses named statements clients prepared (PgBouncer's {@code client_parse_count})
     * @param serverParses Parse messages of named statements sent to servers ({@code server_parse_count})
     * @param binds        Binds of named statements sent to servers ({@code bind_count})
     */
    public record Totals(long serverAssignments, long transactions, long queries, long bytesReceived, long bytesSent,
                         long transactionMicros, long queryMicros, long waitMicros, long waits, long clientParses,
                         long serverParses, long binds) {
        public static final Totals ZERO = new Totals(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

        public Totals minus(Totals o) {
            return new Totals(serverAssignments - o.serverAssignments, transactions - o.transactions,
                    queries - o.queries, bytesReceived - o.bytesReceived, bytesSent - o.bytesSent,
                    transactionMicros - o.transactionMicros, queryMicros - o.queryMicros, waitMicros - o.waitMicros,
                    waits - o.waits, clientParses - o.clientParses, serverParses - o.serverParses, binds - o.binds);
        }

        public Totals plus(Totals o) {
            return new Totals(serverAssignments + o.serverAssignments, transactions + o.transactions,
                    queries + o.queries, bytesReceived + o.bytesReceived, bytesSent + o.bytesSent,
                    transactionMicros + o.transactionMicros, queryMicros + o.queryMicros, waitMicros + o.waitMicros,
                    waits + o.waits, clientParses + o.clientParses, serverParses + o.serverParses, binds + o.binds);
        }
    }

    /** What changed during the last complete stats period, and how long it was. */
    public record Period(Totals delta, long micros) {
        public static final Period NONE = new Period(Totals.ZERO, 0);
    }

    private final LongAdder serverAssignments = new LongAdder();
    private final LongAdder transactions = new LongAdder();
    private final LongAdder queries = new LongAdder();
    private final LongAdder bytesReceived = new LongAdder();
    private final LongAdder bytesSent = new LongAdder();
    private final LongAdder waitMicros = new LongAdder();
    private final LongAdder transactionMicros = new LongAdder();
    private final LongAdder queryMicros = new LongAdder();
    private final LongAdder clientWaits = new LongAdder();
    private final LongAdder clientParses = new LongAdder();
    private final LongAdder serverParses = new LongAdder();
    private final LongAdder binds = new LongAdder();
    /** One counter per SQLSTATE class, made at its first error: most pools only ever see a few classes. */
    private final AtomicReferenceArray<LongAdder> errorsByClass = new AtomicReferenceArray<>(36 * 36);
    private final LatencyWindow waitTimes;
    private final LatencyWindow transactionTimes;
    private final LatencyWindow queryTimes;
    /** Written by the stats ticker only. */
    private Totals periodStart = Totals.ZERO;
    private long periodStartNanos;
    private volatile Period lastPeriod = Period.NONE;
    private Duration window;

    public PoolStats() {
        this(DEFAULT_WINDOW);
    }

    public PoolStats(Duration window) {
        this.window = window;
        long now = System.nanoTime();
        periodStartNanos = now;
        waitTimes = new LatencyWindow(window, now);
        transactionTimes = new LatencyWindow(window, now);
        queryTimes = new LatencyWindow(window, now);
    }

    /** The pool handed a server to a client. */
    public void onServerAssigned() {
        serverAssignments.increment();
    }

    /** A client waited this long for a server (whether it got one or not). */
    public void onClientWaited(long nanos) {
        long micros = toMicros(nanos);
        clientWaits.increment();
        waitMicros.add(micros);
        waitTimes.record(micros);
    }

    /** A client held a server for this long: one transaction (one server lease). */
    public void onTransaction(long nanos) {
        long micros = toMicros(nanos);
        transactions.increment();
        transactionMicros.add(micros);
        transactionTimes.record(micros);
    }

    /** A query (a Query, or an extended batch up to its Sync) took this long, send to ReadyForQuery. */
    public void onQuery(long nanos) {
        long micros = toMicros(nanos);
        queries.increment();
        queryMicros.add(micros);
        queryTimes.record(micros);
    }

    /**
     * The admin console answered a command: as PgBouncer counts its admin database, one transaction
     * and one query, with no time, no server and no bytes.
     */
    public void onConsoleCommand() {
        transactions.increment();
        queries.increment();
    }

    public void onBytesFromClient(long bytes) {
        bytesReceived.add(bytes);
    }

    public void onBytesToClient(long bytes) {
        bytesSent.add(bytes);
    }

    /**
     * Named prepared statements, as a session counted them since it last told (once per batch):
     * statements its client prepared, Parses sent to its server for them, and Binds of them.
     */
    public void onNamedStatements(int clientParsed, int serverParsed, int bound) {
        if (clientParsed != 0) {
            clientParses.add(clientParsed);
        }
        if (serverParsed != 0) {
            serverParses.add(serverParsed);
        }
        if (bound != 0) {
            binds.add(bound);
        }
    }

    /** An error went to a client; counted by the SQLSTATE's class (its first two characters). */
    public void onError(String sqlState) {
        int index = errorClassIndex(sqlState);
        if (index >= 0) {
            LongAdder counter = errorsByClass.get(index);
            if (counter == null) {
                errorsByClass.compareAndSet(index, null, new LongAdder());
                counter = errorsByClass.get(index);
            }
            counter.increment();
        }
    }

    public long serverAssignments() {
        return serverAssignments.sum();
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

    public long clientParses() {
        return clientParses.sum();
    }

    public long serverParses() {
        return serverParses.sum();
    }

    public long binds() {
        return binds.sum();
    }

    public Totals totals() {
        return new Totals(serverAssignments(), transactions(), queries(), bytesReceived(), bytesSent(),
                totalTransactionMicros(), totalQueryMicros(), totalWaitMicros(), clientWaits(), clientParses(),
                serverParses(), binds());
    }

    /** Errors sent to clients whose SQLSTATE class is {@code sqlStateClass} (e.g. "08"). */
    public long errors(String sqlStateClass) {
        int index = errorClassIndex(sqlStateClass);
        LongAdder counter = index < 0 ? null : errorsByClass.get(index);
        return counter == null ? 0 : counter.sum();
    }

    /** Every SQLSTATE class that has had an error, in order ("08", "42", ...), with its count. */
    public Map<String, Long> errorCounts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (int i = 0; i < errorsByClass.length(); i++) {
            LongAdder counter = errorsByClass.get(i);
            long count = counter == null ? 0 : counter.sum();
            if (count > 0) {
                counts.put(errorClassName(i), count);
            }
        }
        return counts;
    }

    public LatencyWindow waitTimes() {
        return waitTimes;
    }

    public LatencyWindow transactionTimes() {
        return transactionTimes;
    }

    public LatencyWindow queryTimes() {
        return queryTimes;
    }

    /** The stats ticker's view of the last complete period (what SHOW STATS averages). */
    public Period lastPeriod() {
        return lastPeriod;
    }

    /** Ends the current stats period; called by one thread, the stats ticker. */
    public Period endPeriod(long nowNanos) {
        Totals now = totals();
        Period period = new Period(now.minus(periodStart), Math.max(0, (nowNanos - periodStartNanos) / 1000));
        periodStart = now;
        periodStartNanos = nowNanos;
        lastPeriod = period;
        return period;
    }

    /** Changes the length of the latency windows (at reload, when stats_period changes). */
    public synchronized void setWindowIfChanged(Duration window) {
        if (window.equals(this.window)) {
            return;
        }
        this.window = window;
        long now = System.nanoTime();
        waitTimes.setWindow(window, now);
        transactionTimes.setWindow(window, now);
        queryTimes.setWindow(window, now);
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

    private static String errorClassName(int index) {
        return (Character.toUpperCase(Character.forDigit(index / 36, 36)) + "")
                + Character.toUpperCase(Character.forDigit(index % 36, 36));
    }
}
