package io.pgmux.proxy.pool;

import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.config.LoadBalanceHosts;
import io.pgmux.proxy.config.ServerHosts;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HostRotationTest {
    private static final HostPort A = new HostPort("a", 5432);
    private static final HostPort B = new HostPort("b", 5432);
    private static final HostPort C = new HostPort("c", 5432);

    @Test
    void roundRobinStartsEachConnectionAtTheNextHostWhateverFails() {
        ServerHosts hosts = new ServerHosts(List.of(A, B, C), LoadBalanceHosts.ROUND_ROBIN);
        HostRotation rotation = new HostRotation();

        assertEquals(List.of(A, B, C), rotation.nextOrder(hosts));
        assertEquals(List.of(B, C, A), rotation.nextOrder(hosts));
        rotation.unreachable(hosts, C);
        assertEquals(List.of(C, A, B), rotation.nextOrder(hosts));
        assertEquals(List.of(A, B, C), rotation.nextOrder(hosts));
    }

    @Test
    void disableStaysOnItsHostUntilThatHostCannotBeReached() {
        ServerHosts hosts = new ServerHosts(List.of(A, B, C), LoadBalanceHosts.DISABLE);
        HostRotation rotation = new HostRotation();

        assertEquals(List.of(A, B, C), rotation.nextOrder(hosts));
        assertEquals(List.of(A, B, C), rotation.nextOrder(hosts));
        // a host other than the one connections start at changes nothing
        rotation.unreachable(hosts, B);
        assertEquals(List.of(A, B, C), rotation.nextOrder(hosts));
        // the starting host: from now on they start at the next, and the reported failure of a host
        // reported twice (two connections that failed at once) moves it once
        rotation.unreachable(hosts, A);
        rotation.unreachable(hosts, A);
        assertEquals(List.of(B, C, A), rotation.nextOrder(hosts));
        rotation.unreachable(hosts, B);
        rotation.unreachable(hosts, C);
        assertEquals(List.of(A, B, C), rotation.nextOrder(hosts), "after the last host, the first again");
    }

    @Test
    void oneHostIsAlwaysThatHost() {
        ServerHosts hosts = ServerHosts.single(A);
        HostRotation rotation = new HostRotation();

        rotation.unreachable(hosts, A);
        assertEquals(List.of(A), rotation.nextOrder(hosts));
        assertEquals(List.of(A), rotation.nextOrder(hosts));
    }
}
