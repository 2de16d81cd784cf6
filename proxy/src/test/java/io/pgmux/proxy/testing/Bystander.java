package io.pgmux.proxy.testing;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Another client of a pool, querying in a loop until told to stop: whether others get answers while a test does something big. */
public record Bystander(RawClient client, AtomicBoolean stop, Future<Integer> answers, ExecutorService thread)
        implements AutoCloseable {

    public static Bystander start(String host, int port, String database, String user) throws Exception {
        RawClient client = RawClient.connect(host, port, database, user);
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService thread = Executors.newSingleThreadExecutor();
        Future<Integer> answers = thread.submit(() -> {
            int count = 0;
            while (!stop.get()) {
                assertEquals("TDCZ", RawClient.types(client.query("SELECT 'still here'")));
                count++;
                Thread.sleep(20);
            }
            return count;
        });
        return new Bystander(client, stop, answers, thread);
    }

    /** Stops the loop: how many answers it got. */
    public int finish() throws Exception {
        stop.set(true);
        return answers.get(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        stop.set(true);
        thread.shutdownNow();
        client.close();
    }
}
