package io.pgmux.proxy.net;

import io.pgmux.proxy.config.TransportChoice;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransportTest {

    @Test
    void autoWithSoReuseportTakesEpollOverIoUringAndSaysWhy() {
        Assumptions.assumeTrue(Transport.of(TransportChoice.AUTO).isIoUring(), "io_uring is not available here");

        Transport chosen = Transport.of(TransportChoice.AUTO, true);

        assertEquals("epoll", chosen.name());
        assertEquals(Transport.KILLED_REUSEPORT_LISTENER, chosen.fallback());
        assertTrue(Transport.of(TransportChoice.AUTO, false).isIoUring(), "without so_reuseport auto stays io_uring");
        assertTrue(Transport.of(TransportChoice.IO_URING, true).isIoUring(), "io_uring by name is taken all the same");
    }

    @Test
    void nioHasNoSoReuseportAndNoDomainSockets() {
        Transport nio = Transport.of(TransportChoice.NIO, true);

        assertNull(nio.reusePort());
        assertNull(nio.domainSocketChannelClass());
    }
}
