package io.pgmux.proxy.net;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PeerUsersTest {

    @Test
    void passwdLinesMapEachUidToItsFirstName() {
        Map<Integer, String> names = PeerUsers.parse(List.of("root:x:0:0:root:/root:/bin/bash", "# a comment",
                "alice:x:1000:1000::/home/alice:/bin/sh", "alias:x:1000:1000::/:/bin/sh", "broken line", "bad:x:uid:0::/:"));

        assertEquals(Map.of(0, "root", 1000, "alice"), names);
    }
}
