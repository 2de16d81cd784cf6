package io.pgmux.proxy.net;

import io.netty.util.NetUtil;
import io.pgmux.proxy.config.HostPort;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/** Turning configured hosts into socket addresses without blocking an event loop, and connect errors into words. */
public final class Addresses {
    private Addresses() {}

    /** An IP literal at once; a host name looked up on {@code resolver}, never on the caller's thread. */
    public static CompletableFuture<InetSocketAddress> resolve(HostPort target, Executor resolver) {
        byte[] literal = NetUtil.createByteArrayFromIpAddressString(target.host());
        if (literal != null) {
            try {
                return CompletableFuture.completedFuture(new InetSocketAddress(InetAddress.getByAddress(literal), target.port()));
            } catch (UnknownHostException impossible) {
                return CompletableFuture.failedFuture(impossible);
            }
        }
        return CompletableFuture.supplyAsync(() -> {
            InetSocketAddress address = new InetSocketAddress(target.host(), target.port());
            if (address.isUnresolved()) {
                throw new IllegalStateException("unknown host \"" + target.host() + "\"");
            }
            return address;
        }, resolver);
    }

    /** The root cause in a person's words: "Connection refused", not the native call that reported it. */
    public static String describeFailure(Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        String message = cause.getMessage();
        if (message == null) {
            return cause.getClass().getSimpleName();
        }
        int nativeCall = message.indexOf("): ");
        if (message.contains("failed with error(") && nativeCall >= 0) {
            message = message.substring(nativeCall + 3);
        }
        int address = message.indexOf(": /");
        return address > 0 ? message.substring(0, address) : message;
    }
}
