package io.pgmux.proxy.fuzz;

import io.pgmux.proxy.fuzz.Scenario.ClientScript;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Makes a {@link Scenario} from a seed: two to five clients in random states, each with one to
 * eight steps. At most two clients hold a server (pool_size 2: a third would wait while entering
 * its state), a third draw of such a state becomes QUEUED; a scenario with a QUEUED client has two
 * clients that hold a server, so that the queued client really waits.
 */
final class ScenarioGenerator {
    private static final int MAX_CLIENTS = 5;
    private static final int MAX_STEPS = 8;
    private static final ClientState[] STATES = ClientState.values();

    private final FrontendMessages messages;

    ScenarioGenerator(FrontendMessages messages) {
        this.messages = messages;
    }

    Scenario generate(long seed) {
        Random random = new Random(seed);
        List<ClientState> states = new ArrayList<>();
        int count = 2 + random.nextInt(MAX_CLIENTS - 1);
        int holders = 0;
        for (int i = 0; i < count; i++) {
            ClientState state = STATES[random.nextInt(STATES.length)];
            if (state.holdsServer() && ++holders > 2) {
                state = ClientState.QUEUED;
            }
            states.add(state);
        }
        if (states.contains(ClientState.QUEUED)) {
            for (int i = holders; i < 2; i++) {
                states.add(0, ClientState.IN_TRANSACTION);
            }
        }
        List<ClientScript> clients = new ArrayList<>();
        for (int client = 0; client < states.size(); client++) {
            ClientState state = states.get(client);
            List<Step> steps = new ArrayList<>();
            int stepCount = 1 + random.nextInt(MAX_STEPS);
            for (int i = 0; i < stepCount; i++) {
                steps.add(messages.next(state, client, random));
            }
            clients.add(new ClientScript(client, state, steps));
        }
        return new Scenario(seed, clients);
    }
}
