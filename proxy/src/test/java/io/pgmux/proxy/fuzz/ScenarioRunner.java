package io.pgmux.proxy.fuzz;

import io.pgmux.proxy.fuzz.Outcome.Ending;
import io.pgmux.proxy.fuzz.Scenario.ClientScript;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Plays one {@link Scenario} against pgmux and says what went wrong:
 * <ol>
 *   <li>every client connects (logged-in states log in and set {@code pgmux.fuzz} while servers are free);
 *   <li>the clients that hold a server enter their state first, then the others;
 *   <li>QUEUED clients send all their steps, then the others' steps go out interleaved;
 *   <li>each client whose steps are whole messages sends a probe; all read their replies at once,
 *       up to {@code query_wait_timeout} plus a margin;
 *   <li>every client leaves (Terminate or an abrupt close), and the {@link Invariants} are checked.
 * </ol>
 * Per client, a violation is: a probe left unanswered on an open connection (HUNG), a close by
 * pgmux whose last message is not an ErrorResponse (unless the client sent Terminate or a
 * CancelRequest), or bytes that are not backend messages.
 */
final class ScenarioRunner {
    private static final long READ_MARGIN_MILLIS = 4_000;
    /** {@code -Dpgmux.fuzz.verbose=true} prints what each client saw. */
    private static final boolean VERBOSE = Boolean.getBoolean("pgmux.fuzz.verbose");

    private final FuzzTarget target;
    private final int maxMessageSize;
    private final long queryWaitMillis;
    private final Invariants invariants;
    private final ExecutorService readers = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "fuzz-reader");
        thread.setDaemon(true);
        return thread;
    });

    ScenarioRunner(FuzzTarget target, int maxMessageSize, long queryWaitMillis, Invariants invariants) {
        this.target = target;
        this.maxMessageSize = maxMessageSize;
        this.queryWaitMillis = queryWaitMillis;
        this.invariants = invariants;
    }

    /** The violations found; empty when the case passed. */
    List<String> run(Scenario scenario) {
        List<String> violations = new ArrayList<>();
        Random random = new Random(scenario.seed());
        List<FuzzClient> clients = new ArrayList<>();
        scenario.clients().forEach(script -> clients.add(new FuzzClient(script, target)));
        try {
            enterStates(clients);
            sendSteps(clients, random);
            clients.forEach(client -> client.probe(maxMessageSize));
            violations.addAll(readOutcomes(clients));
        } catch (Exception e) {
            violations.add("the clients could not be brought into their states: " + e);
        } finally {
            clients.forEach(client -> client.end(random.nextBoolean()));
        }
        violations.addAll(invariants.check());
        return violations;
    }

    private static void enterStates(List<FuzzClient> clients) throws Exception {
        for (FuzzClient client : clients) {
            client.connect();
        }
        for (FuzzClient client : clients) {
            if (client.script().state().holdsServer()) {
                client.enter();
            }
        }
        for (FuzzClient client : clients) {
            if (!client.script().state().holdsServer()) {
                client.enter();
            }
        }
    }

    private static void sendSteps(List<FuzzClient> clients, Random random) {
        List<FuzzClient> rest = new ArrayList<>();
        for (FuzzClient client : clients) {
            if (client.script().state() == ClientState.QUEUED) {
                client.script().steps().forEach(client::send);
            } else {
                client.script().steps().forEach(step -> rest.add(client));
            }
        }
        Collections.shuffle(rest, random);
        int[] next = new int[clients.size()];
        for (FuzzClient client : rest) {
            int index = clients.indexOf(client);
            client.send(client.script().steps().get(next[index]++));
        }
    }

    private List<String> readOutcomes(List<FuzzClient> clients) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(queryWaitMillis + READ_MARGIN_MILLIS);
        List<Future<Outcome>> outcomes = new ArrayList<>();
        for (FuzzClient client : clients) {
            outcomes.add(readers.submit(() -> client.awaitOutcome(deadline)));
        }
        List<String> violations = new ArrayList<>();
        for (int i = 0; i < clients.size(); i++) {
            FuzzClient client = clients.get(i);
            ClientScript script = client.script();
            String who = "client " + script.client() + " (" + script.state() + ")";
            try {
                Outcome outcome = outcomes.get(i).get(queryWaitMillis + 2 * READ_MARGIN_MILLIS, TimeUnit.MILLISECONDS);
                if (VERBOSE) {
                    System.out.println("fuzz: " + who + ": " + outcome);
                }
                if (outcome.ending() == Ending.HUNG) {
                    violations.add(who + " got no answer to its probe: " + outcome);
                } else if (outcome.ending() == Ending.UNREADABLE) {
                    violations.add(who + " received bytes that are not backend messages: " + outcome);
                } else if (outcome.ending() == Ending.CLOSED_WITHOUT_ERROR && !client.mayCloseSilently()) {
                    violations.add(who + " was closed without an ErrorResponse: " + outcome);
                }
            } catch (ExecutionException | TimeoutException e) {
                violations.add(who + ": reading its replies failed: " + e);
            }
        }
        return violations;
    }

    void shutdown() {
        readers.shutdownNow();
    }
}
