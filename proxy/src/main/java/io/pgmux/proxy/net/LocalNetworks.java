package io.pgmux.proxy.net;

import io.pgmux.proxy.config.HbaRule;

import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;

/**
 * The addresses of this machine's network interfaces, each with its subnet's prefix, for HBA's
 * {@code samehost} and {@code samenet} (Postgres asks the kernel at each login). The list is read
 * off the caller's thread (an event loop must not make the system calls) and kept
 * {@value #KEEP_MILLIS} ms: interfaces come and go rarely, logins come often.
 */
public final class LocalNetworks {
    static final long KEEP_MILLIS = 5_000;
    private static CompletableFuture<List<HbaRule.Cidr>> current;
    private static long readAtNanos;

    private LocalNetworks() {
    }

    /** The interface addresses (as {@code address/prefix}), read now or at most {@value #KEEP_MILLIS} ms ago. */
    public static synchronized CompletableFuture<List<HbaRule.Cidr>> current() {
        long now = System.nanoTime();
        if (current == null || now - readAtNanos > KEEP_MILLIS * 1_000_000 || current.isCompletedExceptionally()) {
            current = CompletableFuture.supplyAsync(LocalNetworks::read, ForkJoinPool.commonPool());
            readAtNanos = now;
        }
        return current;
    }

    private static List<HbaRule.Cidr> read() {
        List<HbaRule.Cidr> networks = new ArrayList<>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp()) {
                    continue;
                }
                for (InterfaceAddress address : nic.getInterfaceAddresses()) {
                    networks.add(new HbaRule.Cidr(address.getAddress(), address.getNetworkPrefixLength()));
                }
            }
        } catch (SocketException e) {
            throw new IllegalStateException("cannot list this machine's network interfaces: " + e.getMessage(), e);
        }
        return List.copyOf(networks);
    }
}
