package io.pgmux.proxy.peer;

import io.netty.channel.unix.DomainSocketAddress;
import io.pgmux.protocol.Frontend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.IntUnaryOperator;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One server budget across the peer replicas: every {@link #INTERVAL_MILLIS} this replica asks each
 * peer for its {@link PeerView} on the peer's client port (a startup packet with pgmux's own
 * {@link Frontend#PEER_VIEW_REQUEST_CODE}, answered with the view and a close), lets
 * {@link BudgetShares} decide, applies the shares to its database budgets and keeps the view it
 * answers with. All of it runs on its own daemon threads (one per peer being asked), each request bounded by
 * {@link #TIMEOUT_MILLIS}: nothing here touches an event loop but the answer, a prepared byte array.
 */
public final class PeerBudget {
    private static final Logger log = LoggerFactory.getLogger(PeerBudget.class);
    /** How often the peers are asked. */
    public static final long INTERVAL_MILLIS = 500;
    /** The longest a peer may take to connect, and then to answer (a loaded replica's loops are busy). */
    static final int TIMEOUT_MILLIS = 1_000;
    /** A peer is live while it has answered within this window (six intervals: a few slow answers are no departure). */
    public static final long DETECTION_MILLIS = 6 * INTERVAL_MILLIS;
    /**
     * At start, no share rises for this long (every live peer has answered by then); after a peer
     * left (or at start, while no peer answers), for this long plus {@code shutdown_timeout}: longer
     * than the detection window, so that a replica the others no longer see has seen itself left out,
     * and than a drain, since a replica shutting down stops listening (and answering) at once but
     * keeps its servers while its clients finish.
     */
    public static final long DEPARTURE_WAIT_MILLIS = DETECTION_MILLIS + INTERVAL_MILLIS;

    /** The database budgets of this replica, as the pools keep them. */
    public interface Budgets {
        /** Servers open or being opened, per database with pools. */
        Map<String, Integer> used();

        /** {@code max_db_connections} of a database (0 = none). */
        int limitOf(String database);

        /** Caps each database's servers at {@code shareOfLimit} of its limit. */
        void applyShares(IntUnaryOperator shareOfLimit);
    }

    private final PeerDirectory directory;
    private final Budgets budgets;
    private final Supplier<Duration> shutdownTimeout;
    private final LongSupplier nanoClock;
    private final BudgetShares shares;
    private final ScheduledExecutorService ticker;
    private final ExecutorService askers;
    /** Peers asked whose answer has not come yet: each is asked once at a time. Ticker thread only. */
    private final Set<Integer> asking = new HashSet<>();
    private volatile byte[] answer;
    private volatile boolean stopped;

    public PeerBudget(PeerDirectory directory, Budgets budgets, Supplier<Duration> shutdownTimeout) {
        this.directory = directory;
        this.budgets = budgets;
        this.shutdownTimeout = shutdownTimeout;
        this.nanoClock = System::nanoTime;
        this.shares = new BudgetShares(directory.ownId(), TimeUnit.MILLISECONDS.toNanos(DETECTION_MILLIS),
                TimeUnit.MILLISECONDS.toNanos(DEPARTURE_WAIT_MILLIS), departureWaitNanos(), nanoClock.getAsLong());
        this.ticker = Executors.newSingleThreadScheduledExecutor(daemon("pgmux-peer-budget"));
        this.askers = Executors.newCachedThreadPool(daemon("pgmux-peer-ask"));
        this.answer = framed(shares.view(nanoClock.getAsLong(), Map.of()).encode());
        budgets.applyShares(shares::shareOf); // nothing until the peers agree
    }

    private long departureWaitNanos() {
        return TimeUnit.MILLISECONDS.toNanos(DEPARTURE_WAIT_MILLIS) + shutdownTimeout.get().toNanos();
    }

    private static ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Takes no share until the peers agree, then asks them every interval until {@link #stop}. */
    public void start() {
        ticker.scheduleWithFixedDelay(this::tick, 0, INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
    }

    public void stop() {
        stopped = true;
        ticker.shutdownNow();
        askers.shutdownNow();
    }

    /** What a peer asking for this replica's view is sent: the view's length, then the view. */
    public byte[] answer() {
        return answer;
    }

    /**
     * Whether a view request from {@code address} comes from a current peer: the view names databases
     * and counts their servers, which a client that has not logged in must not learn.
     */
    public boolean isPeerAddress(InetAddress address) {
        return directory.current().hasAddress(address);
    }

    /**
     * Whether a view request on this replica's Unix socket may come from a peer: one of the peers is
     * listed by its Unix socket (the caller checks that the asking process runs as pgmux's OS user).
     */
    public boolean hasUnixSocketPeer() {
        return directory.current().hasUnixSocketPeer();
    }

    /** This replica's share of a database budget of {@code limit} now. */
    public int shareOf(int limit) {
        return shares.shareOf(limit);
    }

    /** The replicas this one sees live (itself among them). */
    public Set<Integer> live() {
        return shares.live();
    }

    /** The last view peer {@code id} answered with; null if none. */
    public PeerView lastView(int id) {
        return shares.lastView(id);
    }

    /** The split this replica heads for: its share once the peers agree (NOTHING if a peer leaves it out). */
    public BudgetSplit target() {
        return shares.target();
    }

    /** The splits whose smallest share is in force (one, unless a raise is pending). */
    public List<BudgetSplit> inForce() {
        return shares.inForce();
    }

    private void tick() {
        try {
            List<Peer> peers = directory.current().peers();
            Set<Integer> ids = new HashSet<>();
            peers.forEach(peer -> ids.add(peer.id()));
            List<BudgetSplit> before = shares.inForce();
            shares.departureWait(departureWaitNanos());
            if (shares.tick(nanoClock.getAsLong(), ids, budgets::limitOf)) {
                budgets.applyShares(shares::shareOf);
                log.info("server budget: peers live {}, this replica's share from {} (was {})", shares.live(),
                        shares.inForce(), before);
            }
            answer = framed(shares.view(nanoClock.getAsLong(), budgets.used()).encode());
            for (Peer peer : peers) {
                if (peer.reachable() && asking.add(peer.id())) {
                    CompletableFuture.supplyAsync(() -> ask(peer), askers).thenAcceptAsync(view -> {
                        asking.remove(peer.id());
                        if (view != null) {
                            shares.onAnswer(view, nanoClock.getAsLong());
                        }
                    }, ticker);
                }
            }
        } catch (RuntimeException e) {
            if (!stopped) {
                log.warn("server budget: sharing with the peers failed this round", e);
            }
        }
    }

    /**
     * The peer's view; null if it did not answer in time or did not answer with a view of its own id.
     * A peer on a Unix socket is asked on a blocking channel that a timer closes after
     * {@link #TIMEOUT_MILLIS} (such a channel has no read timeout of its own).
     */
    private PeerView ask(Peer peer) {
        try {
            if (peer.address() instanceof DomainSocketAddress unix) {
                try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(unix.path()))) {
                    ScheduledFuture<?> giveUp = ticker.schedule(() -> closeQuietly(channel), TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
                    try {
                        return exchange(peer, Channels.newInputStream(channel), Channels.newOutputStream(channel));
                    } finally {
                        giveUp.cancel(false);
                    }
                }
            }
            try (Socket socket = new Socket()) {
                socket.connect(peer.address(), TIMEOUT_MILLIS);
                socket.setSoTimeout(TIMEOUT_MILLIS);
                return exchange(peer, socket.getInputStream(), socket.getOutputStream());
            }
        } catch (IOException | IllegalArgumentException | RejectedExecutionException e) {
            log.debug("peer {} at {} gave no view: {}", peer.id(), peer.address(), e.toString());
            return null;
        }
    }

    /** Sends the view request on a connection to {@code peer} and reads its answer. */
    private static PeerView exchange(Peer peer, InputStream input, OutputStream output) throws IOException {
        DataOutputStream out = new DataOutputStream(output);
        out.writeInt(8);
        out.writeInt(Frontend.PEER_VIEW_REQUEST_CODE);
        out.flush();
        DataInputStream in = new DataInputStream(input);
        int length = in.readInt();
        if (length < 0 || length > PeerView.MAX_BYTES) {
            log.debug("peer {} answered a view of {} bytes; ignored", peer.id(), length);
            return null;
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        PeerView view = PeerView.decode(bytes);
        return view.id() == peer.id() ? view : null;
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing is all that was asked
        }
    }

    private static byte[] framed(byte[] view) {
        byte[] framed = new byte[4 + view.length];
        framed[0] = (byte) (view.length >>> 24);
        framed[1] = (byte) (view.length >>> 16);
        framed[2] = (byte) (view.length >>> 8);
        framed[3] = (byte) view.length;
        System.arraycopy(view, 0, framed, 4, view.length);
        return framed;
    }
}
