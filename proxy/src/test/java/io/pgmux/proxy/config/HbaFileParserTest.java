package io.pgmux.proxy.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HbaFileParserTest {
    @TempDir
    Path dir;

    private List<HbaRule> parse(String text, List<String> errors) {
        return HbaFileParser.parse(text, dir.resolve("hba.conf"), errors);
    }

    @Test
    void readsRulesWithCommentsListsQuotesMasksAndContinuations() {
        List<String> errors = new ArrayList<>();
        List<HbaRule> rules = parse("""
                # comment
                host    app,"all"   alice,+ops     10.0.0.0/8      md5   # trailing
                hostssl all         all            192.168.1.0 255.255.255.0 cert map=x
                hostnossl sameuser  all \\
                        all  scram-sha-256
                local   all         all                            trust
                """, errors);

        assertEquals(List.of(), errors);
        assertEquals(4, rules.size());
        HbaRule first = rules.get(0);
        assertEquals(HbaRule.Type.HOST, first.type());
        assertEquals(List.of(new HbaRule.Name("app", false), new HbaRule.Name("all", true)), first.databases());
        assertEquals("ops", first.users().get(1).group());
        assertEquals("10.0.0.0/8", first.address().toString());
        assertEquals(HbaMethod.MD5, first.method());
        assertTrue(first.source().endsWith("hba.conf:2"), first.source());
        assertEquals("192.168.1.0/24", rules.get(1).address().toString());
        assertEquals(HbaMethod.SCRAM_SHA_256, rules.get(2).method());
        assertNull(rules.get(2).address());
        assertTrue(rules.get(2).source().endsWith(":4"));
        assertEquals(HbaRule.Type.LOCAL, rules.get(3).type());
    }

    @Test
    void includesNamesFromAtFilesRelativeToTheIncludingFile() throws IOException {
        Files.writeString(dir.resolve("users"), "bob, carol\n# not a name\ndave \"with space\"\n");
        List<String> errors = new ArrayList<>();

        List<HbaRule> rules = parse("host all @users,erin all md5\n", errors);

        assertEquals(List.of(), errors);
        assertEquals(List.of("bob", "carol", "dave", "with space", "erin"),
                rules.get(0).users().stream().map(HbaRule.Name::text).toList());
    }

    @Test
    void reportsEveryBadLineWithItsLineNumber() {
        List<String> errors = new ArrayList<>();

        List<HbaRule> rules = parse("""
                host all all 10.0.0.0/8 md5
                hots all all 10.0.0.0/8 md5
                host all all db.example.com md5
                host all all 10.0.0.0/33 md5
                host all all 10.0.0.0/8 kerberos
                host all all 10.0.0.0/8 cert
                host all @missing all md5
                host all all,
                """, errors);

        assertEquals(1, rules.size());
        assertEquals(7, errors.size(), errors.toString());
        assertTrue(errors.get(0).contains("hba.conf:2: unknown connection type \"hots\""), errors.get(0));
        assertTrue(errors.get(1).contains(":3: invalid IP address \"db.example.com\" (host names are not supported"), errors.get(1));
        assertTrue(errors.get(2).contains(":4: invalid CIDR mask"), errors.get(2));
        assertTrue(errors.get(3).contains(":5: unknown authentication method \"kerberos\""), errors.get(3));
        assertTrue(errors.get(4).contains(":6: cert authentication is only supported on hostssl connections"), errors.get(4));
        assertTrue(errors.get(5).contains(":7: cannot read @missing"), errors.get(5));
        assertTrue(errors.get(6).contains(":8: a list ends with a comma"), errors.get(6));
    }

    @Test
    void anIncludeThatIncludesItselfStops() throws IOException {
        Files.writeString(dir.resolve("loop"), "@loop\n");
        List<String> errors = new ArrayList<>();

        List<HbaRule> rules = parse("host all @loop all md5\n", errors);

        assertEquals(List.of(), rules);
        assertTrue(errors.get(0).contains("nested deeper than"), errors.toString());
    }

    @Test
    void readsOptionsSamehostSamenetAndLocalPeerRules() {
        List<String> errors = new ArrayList<>();

        List<HbaRule> rules = parse("""
                hostssl all all samenet   cert map=certs clientname=DN
                hostssl all all samehost  scram-sha-256 clientcert=verify-ca
                hostssl all all all       cert
                local   all all           peer map=os
                """, errors);

        assertEquals(List.of(), errors);
        assertEquals(HbaRule.LocalAddresses.SAMENET, rules.get(0).address());
        assertEquals(new HbaRule.Options("certs", HbaRule.ClientName.DN, HbaRule.ClientCert.VERIFY_FULL), rules.get(0).options());
        assertEquals(HbaRule.LocalAddresses.SAMEHOST, rules.get(1).address());
        assertEquals(HbaRule.ClientCert.VERIFY_CA, rules.get(1).options().clientCert());
        assertEquals(HbaRule.ClientCert.VERIFY_FULL, rules.get(2).options().clientCert(), "cert implies clientcert=verify-full");
        assertEquals(HbaMethod.PEER, rules.get(3).method());
        assertEquals("os", rules.get(3).options().map());
    }

    @Test
    void refusesOptionsPostgresRefusesAndUnknownOnes() {
        List<String> errors = new ArrayList<>();

        List<HbaRule> rules = parse("""
                hostssl all all all cert clientcert=verify-ca
                host    all all all md5 clientcert=verify-full
                hostssl all all all md5 map=x
                hostssl all all all cert clientname=UID
                hostssl all all all cert include_realm=0
                host    all all all peer
                local   all all     trust clientcert=verify-ca
                """, errors);

        assertEquals(List.of(), rules);
        assertEquals(7, errors.size(), errors.toString());
        assertTrue(errors.get(0).endsWith(":1: clientcert only accepts \"verify-full\" when using \"cert\" authentication"), errors.get(0));
        assertTrue(errors.get(1).endsWith(":2: clientcert can only be configured for \"hostssl\" rows"), errors.get(1));
        assertTrue(errors.get(2).endsWith(":3: authentication option \"map\" is only valid for authentication methods cert and peer"),
                errors.get(2));
        assertTrue(errors.get(3).contains(":4: invalid value for clientname: \"UID\""), errors.get(3));
        assertTrue(errors.get(4).contains(":5: unrecognized authentication option name: \"include_realm\""), errors.get(4));
        assertTrue(errors.get(5).endsWith(":6: peer authentication is only supported on local sockets"), errors.get(5));
        assertTrue(errors.get(6).endsWith(":7: clientcert can only be configured for \"hostssl\" rows"), errors.get(6));
    }
}
