package io.pgmux.proxy.auth;

import io.pgmux.proxy.config.IdentMaps;
import io.pgmux.proxy.config.IdentTestMaps;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UserNameMapTest {
    private static IdentMaps maps(String text) {
        List<String> errors = new ArrayList<>();
        IdentMaps maps = IdentTestMaps.parse(text, errors);
        assertEquals(List.of(), errors);
        return maps;
    }

    @Test
    void withoutAMapTheNameMustBeTheUserExactly() {
        assertTrue(UserNameMap.permits(IdentMaps.none(), null, "alice", "alice"));
        assertFalse(UserNameMap.permits(IdentMaps.none(), null, "Alice", "alice"));
    }

    @Test
    void exactLinesRegexLinesWithBackReferenceAllAndUserRegex() {
        IdentMaps maps = maps("""
                # MAP   SYSTEM                       DATABASE
                certs   "CN=ops,O=Example"           admin
                certs   /^(.*)@example\\.com$        \\1
                certs   /^svc-                       /^app_
                certs   root                         all
                other   bob                          bob_db
                """);

        assertTrue(UserNameMap.permits(maps, "certs", "CN=ops,O=Example", "admin"));
        assertTrue(UserNameMap.permits(maps, "certs", "alice@example.com", "alice"));
        assertFalse(UserNameMap.permits(maps, "certs", "alice@example.com", "bob"));
        assertFalse(UserNameMap.permits(maps, "certs", "alice@example.org", "alice"));
        assertTrue(UserNameMap.permits(maps, "certs", "svc-billing", "app_billing"));
        assertFalse(UserNameMap.permits(maps, "certs", "svc-billing", "billing"));
        assertTrue(UserNameMap.permits(maps, "certs", "root", "anyone"));
        assertFalse(UserNameMap.permits(maps, "certs", "bob", "bob_db"), "another map's line does not count");
        assertTrue(UserNameMap.permits(maps, "other", "bob", "bob_db"));
        assertFalse(UserNameMap.permits(maps, "missing", "bob", "bob"));
    }

    @Test
    void aRegexIsSearchedNotAnchored() {
        IdentMaps maps = maps("m /ali  alice\n");

        assertTrue(UserNameMap.permits(maps, "m", "xx-alice-xx", "alice"));
    }

    @Test
    void badLinesAreErrorsWithTheirLineNumbers() {
        List<String> errors = new ArrayList<>();

        IdentTestMaps.parse("""
                m  /(unclosed  x
                m  /^nogroup$  \\1
                m  plain       \\1
                m  a  b  c
                m  a  +group
                """, errors);

        assertEquals(5, errors.size(), errors.toString());
        assertTrue(errors.get(0).contains(":1: invalid regular expression"), errors.get(0));
        assertTrue(errors.get(1).contains(":2: regular expression \"/^nogroup$\" has no subexpressions"), errors.get(1));
        assertTrue(errors.get(2).contains(":3: ") && errors.get(2).contains("needs a regular expression (/...)"), errors.get(2));
        assertTrue(errors.get(3).contains(":4: expected MAPNAME SYSTEM-USERNAME DATABASE-USERNAME"), errors.get(3));
        assertTrue(errors.get(4).contains(":5: group names (+group) are not supported"), errors.get(4));
    }
}
