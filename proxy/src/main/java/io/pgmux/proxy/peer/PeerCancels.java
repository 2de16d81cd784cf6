package io.pgmux.proxy.peer;

import io.netty.channel.EventLoop;
import io.pgmux.proxy.config.PeersConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where a CancelRequest goes when its key is not one of this replica's clients: to the replica the
 * key names, once, if that replica is a current peer (see {@link PeerCancelKeys} for why a
 * forwarded cancel is never forwarded again). Everything else (a forged key, a stale one, one naming
 * this replica or no current peer) cancels nothing and is only counted.
 *
 * <p>Without {@code peer_id} keys have no layout: {@link #localProcessId} leaves them as they are
 * and nothing is ever forwarded.
 */
public final class PeerCancels {
    private static final Logger log = LoggerFactory.getLogger(PeerCancels.class);

    /** What became of a cancel request, for /metrics. */
    public enum Outcome {
        /** Sent to the replica its key names. */
        FORWARDED("forwarded"),
        /** Came forwarded from a peer and found its client here. */
        RECEIVED_FORWARDED("received_forwarded"),
        /** Came forwarded from a peer and found no client here: not sent on. */
        NOT_FORWARDED_AGAIN("not_forwarded_again"),
        /** Its key names no current peer (or this replica, or an ambiguous id): cancels nothing. */
        NO_SUCH_PEER("no_such_peer");

        private final String label;

        Outcome(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private final PeerDirectory directory;
    private final CancelSender sender;
    private final Map<Outcome, AtomicLong> counts = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicInteger> sending = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicLong> forwardedTo = new ConcurrentHashMap<>();

    public PeerCancels(PeerDirectory directory, CancelSender sender) {
        this.directory = directory;
        this.sender = sender;
        for (Outcome outcome : Outcome.values()) {
            counts.put(outcome, new AtomicLong());
        }
    }

    /** Peering off: keys are a lone pgmux's, nothing is forwarded. */
    public static PeerCancels off() {
        return new PeerCancels(new PeerDirectory(0, PeersConfig::none, null, null),
                (loop, address, processId, secretKey, done) -> done.run());
    }

    public boolean enabled() {
        return directory.ownId() != 0;
    }

    public PeerDirectory directory() {
        return directory;
    }

    /** The process id to look this replica's clients up by: without the forwarded mark. */
    public int localProcessId(int processId) {
        return enabled() ? PeerCancelKeys.unmarked(processId) : processId;
    }

    /** A cancel found its client here. */
    public void onLocalClient(int processId) {
        if (enabled() && PeerCancelKeys.isForwarded(processId)) {
            counts.get(Outcome.RECEIVED_FORWARDED).incrementAndGet();
        }
    }

    /**
     * A cancel matched no client here: forwards it, from {@code loop}, to the replica its key names
     * if that is a current peer and the cancel was not forwarded already. {@code done} runs once the
     * peer has closed the forwarded request (it closes it when Postgres has answered), or at once
     * when nothing is forwarded: the client's cancel connection stays open until then, as libpq expects.
     */
    public void onNoLocalClient(EventLoop loop, int processId, int secretKey, Runnable done) {
        if (!enabled()) {
            done.run();
            return;
        }
        if (PeerCancelKeys.isForwarded(processId)) {
            counts.get(Outcome.NOT_FORWARDED_AGAIN).incrementAndGet();
            log.debug("a forwarded cancel request matched no client here; it is not forwarded again");
            done.run();
            return;
        }
        int issuer = PeerCancelKeys.issuer(processId);
        Peer peer = issuer == directory.ownId() ? null : directory.current().find(issuer);
        if (peer == null || !peer.reachable()) {
            counts.get(Outcome.NO_SUCH_PEER).incrementAndGet();
            log.debug("cancel request for peer {}, which is not a current peer here; ignored", issuer);
            done.run();
            return;
        }
        counts.get(Outcome.FORWARDED).incrementAndGet();
        forwardedTo.computeIfAbsent(peer.id(), id -> new AtomicLong()).incrementAndGet();
        AtomicInteger inFlight = sending.computeIfAbsent(peer.id(), id -> new AtomicInteger());
        inFlight.incrementAndGet();
        log.debug("cancel request forwarded to peer {} at {}", peer.id(), peer.address());
        sender.send(loop, peer.address(), PeerCancelKeys.markForwarded(processId), secretKey, () -> {
            inFlight.decrementAndGet();
            done.run();
        });
    }

    /** How many cancels had this outcome since start. */
    public long count(Outcome outcome) {
        return counts.get(outcome).get();
    }

    /** Cancels being sent to peer {@code id} now (SHOW PEER_POOLS' sv_active_cancel). */
    public int sendingTo(int id) {
        AtomicInteger n = sending.get(id);
        return n == null ? 0 : n.get();
    }

    /** Cancels forwarded to peer {@code id} since start. */
    public long forwardedTo(int id) {
        AtomicLong n = forwardedTo.get(id);
        return n == null ? 0 : n.get();
    }
}
