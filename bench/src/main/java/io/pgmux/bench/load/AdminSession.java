package io.pgmux.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.Future;
import io.pgmux.bench.net.ConnectSettings;
import io.pgmux.bench.net.PgConnection;
import io.pgmux.bench.net.PgException;
import io.pgmux.bench.net.RoundTripListener;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.Query;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A blocking connection for set-up SQL (schema, data, truncations); not for the event loop. */
final class AdminSession implements AutoCloseable {
    private static final long STATEMENT_TIMEOUT_SECONDS = 600;

    private final PgConnection connection;

    private AdminSession(PgConnection connection) {
        this.connection = connection;
    }

    static AdminSession open(Bootstrap bootstrap, ConnectSettings settings) throws PgException {
        Future<PgConnection> login = PgConnection.connect(bootstrap, settings);
        if (!login.awaitUninterruptibly(settings.connectTimeout().toMillis() + 5_000)) {
            throw new PgException("login to " + settings.address() + " timed out");
        }
        if (!login.isSuccess()) {
            throw login.cause() instanceof PgException e ? e : new PgException(String.valueOf(login.cause()));
        }
        return new AdminSession(login.getNow());
    }

    /** Runs {@code sql} (simple protocol) and waits for it; an error from the server is thrown. */
    void execute(String sql) throws PgException {
        CompletableFuture<String> done = new CompletableFuture<>();
        connection.eventLoop().execute(() -> {
            ByteBuf query = connection.channel().alloc().buffer();
            new Query(sql).encode(query);
            connection.roundTrip(query, new RoundTripListener() {
                @Override
                public void onReady(TransactionStatus status, String error) {
                    done.complete(error);
                }

                @Override
                public void onClosed(String reason) {
                    done.complete("connection closed: " + reason);
                }
            });
        });
        String error;
        try {
            error = done.get(STATEMENT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgException("interrupted while running: " + firstLine(sql));
        } catch (ExecutionException | TimeoutException e) {
            throw new PgException("no answer within " + STATEMENT_TIMEOUT_SECONDS + " s to: " + firstLine(sql));
        }
        if (error != null) {
            throw new PgException(error + "\n  while running: " + firstLine(sql));
        }
    }

    private static String firstLine(String sql) {
        String trimmed = sql.strip();
        int newline = trimmed.indexOf('\n');
        return newline < 0 ? trimmed : trimmed.substring(0, newline) + " ...";
    }

    @Override
    public void close() {
        connection.close().awaitUninterruptibly(5_000);
    }
}
