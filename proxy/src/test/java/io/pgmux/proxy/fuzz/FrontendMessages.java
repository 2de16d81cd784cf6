package io.pgmux.proxy.fuzz;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.auth.ScramClient;
import io.pgmux.protocol.auth.ScramServer;
import io.pgmux.protocol.message.Bind;
import io.pgmux.protocol.message.CancelRequest;
import io.pgmux.protocol.message.Close;
import io.pgmux.protocol.message.Describe;
import io.pgmux.protocol.message.Execute;
import io.pgmux.protocol.message.Parse;
import io.pgmux.protocol.message.PasswordMessage;
import io.pgmux.protocol.message.Query;
import io.pgmux.protocol.message.SaslInitialResponse;
import io.pgmux.protocol.message.SaslResponse;
import io.pgmux.protocol.message.StartupMessage;
import io.pgmux.protocol.message.Target;
import io.pgmux.protocol.message.WireMessage;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.testkit.Mutations;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The frontend messages a fuzzed client sends, per phase: valid ones (queries, the extended
 * protocol, COPY, transaction control), the same broken by {@link Mutations}, the malformed
 * messages issue 9 names, and noise. Half valid, a third mutated, the rest malformed or noise:
 * valid messages keep the session moving through its states, the others hit it there.
 */
final class FrontendMessages {
    private static final int MAX_NOISE = 32;

    private final String user;
    private final String database;
    private final String copyTable;
    private final Set<String> skipped;

    /**
     * @param skipped labels of messages not to send (e.g. a known bug's message, while its fix is
     *                pending, to look for others); their mutations are still sent
     */
    FrontendMessages(String user, String database, String copyTable, Set<String> skipped) {
        this.user = user;
        this.database = database;
        this.copyTable = copyTable;
        this.skipped = skipped;
    }

    /** One step for a client in {@code state}, which is client number {@code client}. */
    Step next(ClientState state, int client, Random random) {
        List<Step> valid = without(switch (state) {
            case BEFORE_LOGIN -> startupPackets(random);
            case DURING_AUTH -> authMessages();
            default -> sessionMessages(client);
        });
        int dice = random.nextInt(100);
        if (dice < 50) {
            return valid.get(random.nextInt(valid.size()));
        }
        if (dice < 82) {
            Step seed = valid.get(random.nextInt(valid.size()));
            byte[] mutated = Mutations.mutate(seed.bytes(), random);
            return mutated.length == 0 ? seed : new Step("mutated " + seed.label(), mutated);
        }
        List<Step> malformed = without(malformedSessionMessages());
        if (dice < 92 && state.loggedIn() && !malformed.isEmpty()) {
            return malformed.get(random.nextInt(malformed.size()));
        }
        byte[] noise = new byte[1 + random.nextInt(MAX_NOISE)];
        random.nextBytes(noise);
        return new Step("noise", noise);
    }

    private List<Step> without(List<Step> steps) {
        return skipped.isEmpty() ? steps : steps.stream().filter(step -> !skipped.contains(step.label())).toList();
    }

    private List<Step> startupPackets(Random random) {
        return List.of(
                step("StartupMessage", new StartupMessage(Frontend.PROTOCOL_3_0, Map.of("user", user, "database", database))),
                step("StartupMessage with options", new StartupMessage(Frontend.PROTOCOL_3_0,
                        Map.of("user", user, "database", database, "options", "-c pgmux.fuzz=startup"))),
                new Step("SSLRequest", new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f}),
                new Step("GSSENCRequest", new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x30}),
                step("CancelRequest", new CancelRequest(random.nextInt(), random.nextInt())),
                new Step("startup length 10001, no body", new byte[] {0, 0, 0x27, 0x11}),
                new Step("StartupMessage protocol 2.0", new byte[] {0, 0, 0, 9, 0, 2, 0, 0, 0}));
    }

    private List<Step> authMessages() {
        byte[] clientFirst = new ScramClient("wrong").clientFirstMessage();
        return List.of(
                step("SASLInitialResponse", new SaslInitialResponse(ScramServer.MECHANISM, clientFirst)),
                step("SASLInitialResponse without data", SaslInitialResponse.withoutInitialResponse(ScramServer.MECHANISM)),
                step("SASLInitialResponse PLAIN", new SaslInitialResponse("PLAIN", utf8("\0u\0p"))),
                step("SASLResponse", new SaslResponse(utf8("c=biws,r=x,p=AAAA"))),
                step("PasswordMessage", new PasswordMessage("fuzz-pw")),
                step("Query in auth", new Query("SELECT 1")),
                new Step("Terminate", RawClient.frame('X', new byte[0])));
    }

    private List<Step> sessionMessages(int client) {
        List<Step> steps = new ArrayList<>();
        for (String sql : List.of("SELECT 1", "BEGIN", "COMMIT", "ROLLBACK", "SELECT 1/0", "",
                "SET pgmux.fuzz = 'client" + client + "'", "SELECT pg_sleep(0.05)", "SELECT 1; SELECT 2",
                "BEGIN; SELECT 1", "COPY " + copyTable + " FROM STDIN", "COPY " + copyTable + " TO STDOUT",
                "DEALLOCATE ALL", "SELECT current_setting('pgmux.fuzz', true)")) {
            steps.add(step("Query " + quote(sql), new Query(sql)));
        }
        steps.add(step("Parse unnamed", new Parse("", "SELECT $1::int", new int[] {23})));
        steps.add(step("Parse s1", new Parse("s1", "SELECT 1", new int[0])));
        steps.add(step("Bind unnamed", Bind.of("", "", List.of("7"))));
        steps.add(step("Bind s1", Bind.of("", "s1", List.of())));
        steps.add(step("Describe S s1", new Describe(Target.STATEMENT, "s1")));
        steps.add(step("Describe P", new Describe(Target.PORTAL, "")));
        steps.add(step("Execute", new Execute("", 0)));
        steps.add(step("Execute 1 row", new Execute("", 1)));
        steps.add(step("Close S s1", new Close(Target.STATEMENT, "s1")));
        steps.add(step("Close P", new Close(Target.PORTAL, "")));
        steps.add(new Step("Sync", RawClient.frame('S', new byte[0])));
        steps.add(new Step("Sync", RawClient.frame('S', new byte[0])));
        steps.add(new Step("Flush", RawClient.frame('H', new byte[0])));
        steps.add(new Step("CopyData", RawClient.frame('d', utf8("1\n"))));
        steps.add(new Step("CopyDone", RawClient.frame('c', new byte[0])));
        steps.add(new Step("CopyFail", RawClient.frame('f', utf8("fuzz\0"))));
        steps.add(new Step("Terminate", RawClient.frame('X', new byte[0])));
        return steps;
    }

    /** The malformed messages issue 9 found, and their kin. */
    private static List<Step> malformedSessionMessages() {
        return List.of(
                new Step("Describe target 'Z'", RawClient.frame('D', utf8("Znope\0"))),
                new Step("Describe empty", RawClient.frame('D', new byte[0])),
                new Step("Describe unterminated name", RawClient.frame('D', utf8("Snope"))),
                new Step("Close target 'Z'", RawClient.frame('C', utf8("Znope\0"))),
                new Step("Execute empty", RawClient.frame('E', new byte[0])),
                new Step("Bind empty", RawClient.frame('B', new byte[0])),
                new Step("Parse named, unterminated", RawClient.frame('P', utf8("stmt"))),
                new Step("Query unterminated", RawClient.frame('Q', utf8("SELECT 1"))),
                new Step("unknown type 'y'", RawClient.frame('y', new byte[0])),
                new Step("PasswordMessage after login", RawClient.frame('p', utf8("secret\0"))),
                new Step("FunctionCall", RawClient.frame('F', new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0})),
                new Step("length 3", new byte[] {'Q', 0, 0, 0, 3}),
                new Step("length over max_message_size, no body", new byte[] {'Q', 0, 1, 0, 0}),
                new Step("half a Query", new byte[] {'Q', 0, 0, 0, 20, 'S', 'E'}));
    }

    private static Step step(String label, WireMessage message) {
        ByteBuf buf = Unpooled.buffer();
        try {
            message.encode(buf);
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            return new Step(label, bytes);
        } finally {
            buf.release();
        }
    }

    private static String quote(String sql) {
        return "'" + sql.replace("\n", " ") + "'";
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
