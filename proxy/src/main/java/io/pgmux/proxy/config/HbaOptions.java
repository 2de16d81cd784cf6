package io.pgmux.proxy.config;

import java.util.Map;
import java.util.function.Consumer;

/**
 * The options of an HBA rule ({@code map=}, {@code clientname=}, {@code clientcert=}), checked as
 * Postgres checks them against the rule's type and method, for both readers (pg_hba.conf lines and
 * YAML rules). Other options are errors: a rule silently weaker than it reads must not load.
 */
final class HbaOptions {
    private HbaOptions() {
    }

    /** The options {@code given} (name to value); each problem goes to {@code problem}, and then null is returned. */
    static HbaRule.Options read(Map<String, String> given, HbaRule.Type type, HbaMethod method, Consumer<String> problem) {
        boolean ok = true;
        for (String name : given.keySet()) {
            if (!name.equals("map") && !name.equals("clientname") && !name.equals("clientcert")) {
                problem.accept("unrecognized authentication option name: " + YamlSection.quote(name)
                        + " (pgmux knows map, clientname and clientcert)");
                ok = false;
            }
        }
        String map = given.get("map");
        if (map != null && method != HbaMethod.CERT && method != HbaMethod.PEER) {
            problem.accept("authentication option \"map\" is only valid for authentication methods cert and peer");
            ok = false;
        }
        HbaRule.ClientCert clientCert = method == HbaMethod.CERT ? HbaRule.ClientCert.VERIFY_FULL : HbaRule.ClientCert.OFF;
        String clientCertWord = given.get("clientcert");
        if (clientCertWord != null) {
            HbaRule.ClientCert asked = HbaRule.ClientCert.of(clientCertWord);
            if (type != HbaRule.Type.HOSTSSL) {
                problem.accept("clientcert can only be configured for \"hostssl\" rows");
                ok = false;
            } else if (asked == null) {
                problem.accept("invalid value for clientcert: " + YamlSection.quote(clientCertWord)
                        + " (expected verify-ca or verify-full)");
                ok = false;
            } else if (method == HbaMethod.CERT && asked != HbaRule.ClientCert.VERIFY_FULL) {
                problem.accept("clientcert only accepts \"verify-full\" when using \"cert\" authentication");
                ok = false;
            } else {
                clientCert = asked;
            }
        }
        HbaRule.ClientName clientName = HbaRule.ClientName.CN;
        String clientNameWord = given.get("clientname");
        if (clientNameWord != null) {
            if (type != HbaRule.Type.HOSTSSL) {
                problem.accept("clientname can only be configured for \"hostssl\" rows");
                ok = false;
            } else if (!clientNameWord.equals("CN") && !clientNameWord.equals("DN")) {
                problem.accept("invalid value for clientname: " + YamlSection.quote(clientNameWord) + " (expected CN or DN)");
                ok = false;
            } else {
                clientName = HbaRule.ClientName.valueOf(clientNameWord);
            }
        }
        String typeProblem = typeProblem(type, method);
        if (typeProblem != null) {
            problem.accept(typeProblem);
            ok = false;
        }
        return ok ? new HbaRule.Options(map, clientName, clientCert) : null;
    }

    /** What Postgres also refuses: cert outside hostssl, peer outside local. */
    static String typeProblem(HbaRule.Type type, HbaMethod method) {
        if (method == HbaMethod.CERT && type != HbaRule.Type.HOSTSSL) {
            return "cert authentication is only supported on hostssl connections";
        }
        if (method == HbaMethod.PEER && type != HbaRule.Type.LOCAL) {
            return "peer authentication is only supported on local sockets";
        }
        return null;
    }
}
