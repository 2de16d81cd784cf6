package io.pgmux.bench.scenario;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every scenario, by name. */
public final class Scenarios {
    private Scenarios() {}

    private static final Map<String, Scenario> BY_NAME = new LinkedHashMap<>();

    static {
        for (Scenario s : List.of(new Select1(), new TpcB(), new Orchestration(), new Idle(), new Storm(),
                PgbenchScript.SELECT_ONLY, PgbenchScript.TPCB_LIKE)) {
            BY_NAME.put(s.name(), s);
        }
    }

    public static Scenario byName(String name) {
        Scenario scenario = BY_NAME.get(name);
        if (scenario == null) {
            throw new IllegalArgumentException("unknown scenario '" + name + "': one of " + String.join(", ", BY_NAME.keySet()));
        }
        return scenario;
    }

    public static List<Scenario> all() {
        return List.copyOf(BY_NAME.values());
    }
}
