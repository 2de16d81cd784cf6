package io.pgmux.proxy.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.Security;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Looks a host name up: every address it has, in the order the system gives them. Never on the
 * caller's thread when that may be an event loop; tests give one of their own.
 */
@FunctionalInterface
public interface HostLookup {

    /** The addresses of {@code host} (never empty), or a failure if it has none. */
    CompletableFuture<List<InetAddress>> lookUp(String host);

    /**
     * The system's resolver ({@link InetAddress#getAllByName}), called on {@code executor}. The JVM's
     * own cache (networkaddress.cache.ttl, 30 s by default) still applies beneath {@link ServerAddresses}'s
     * unless the process turned it off (see {@link #turnOffJvmCache()}).
     */
    static HostLookup system(Executor executor) {
        return host -> CompletableFuture.supplyAsync(() -> {
            try {
                return Arrays.asList(InetAddress.getAllByName(host));
            } catch (UnknownHostException e) {
                throw new CompletionException(new IllegalStateException("unknown host \"" + host + "\"", e));
            }
        }, executor);
    }

    /**
     * Asks the JVM not to cache successful lookups itself, so that {@code dns_max_ttl} decides how
     * long an address is used. Works only before the first lookup of the process (the JVM reads the
     * setting once): the command line's main calls it first thing.
     */
    static void turnOffJvmCache() {
        Security.setProperty("networkaddress.cache.ttl", "0");
    }
}
