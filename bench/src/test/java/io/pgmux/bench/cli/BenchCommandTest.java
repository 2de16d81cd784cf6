package io.pgmux.bench.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int execute(String... args) {
        CommandLine cl = BenchCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void helpListsTheSubcommandsAndScenarios() {
        assertEquals(0, execute("--help"));
        assertTrue(out.toString().contains("compare"), out.toString());
        assertTrue(out.toString().contains("orchestration"), out.toString());
    }

    @Test
    void anUnknownScenarioIsAUsageError() {
        assertEquals(2, execute("run", "nope", "--target", "127.0.0.1:1"));
        assertTrue(err.toString().contains("unknown scenario 'nope'"), err.toString());
    }

    @Test
    void coordinatedOmissionCorrectionNeedsARate() {
        assertEquals(2, execute("run", "select1", "--co-correct", "--target", "127.0.0.1:1"));
        assertTrue(err.toString().contains("--co-correct needs --rate"), err.toString());
    }

    @Test
    void aTargetMustBeNamed() {
        assertEquals(2, execute("compare", "127.0.0.1:5432"));
        assertTrue(err.toString().contains("NAME=HOST:PORT"), err.toString());
    }

    @Test
    void limitsMustNameATarget() {
        assertEquals(2, execute("compare", "a=127.0.0.1:1", "--max-clients", "b=10", "-o", "target/never"));
        assertTrue(err.toString().contains("'b' is not a target"), err.toString());
    }

    @Test
    void durationsTakeUnits() {
        assertEquals(1500, Converters.parseDuration("1.5s").toMillis());
        assertEquals(500, Converters.parseDuration("500ms").toMillis());
        assertEquals(120_000, Converters.parseDuration("2m").toMillis());
        assertEquals(7_000, Converters.parseDuration("7").toMillis());
    }
}
