package io.pgmux.proxy.peer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Three replicas (ids 1, 2, 3) sharing max_db_connections 12 of database app, each a
 * {@link BudgetShares} fed the others' views by hand at a fake clock (one tick = 500 ms, detection
 * window 2 s, departure wait 2.5 s): at no tick do the shares in force add up to more than 12.
 */
class BudgetSharesTest {
    private static final long TICK = 500_000_000L;
    private static final int BUDGET = 12;
    private static final Set<Integer> PEER_IDS = Set.of(1, 2, 3, 4);

    private long now;
    /** shutdown_timeout: how long a replica that stopped answering may still hold servers. */
    private long drain;
    private final List<Replica> replicas = new ArrayList<>();

    @Test
    void theSplitIsEvenWithTheRemainderToTheLowestIds() {
        BudgetSplit split = BudgetSplit.of(1, 5, 9);
        assertEquals(List.of(5, 5, 4), List.of(split.shareOf(1, 14), split.shareOf(5, 14), split.shareOf(9, 14)));
        assertEquals(0, split.shareOf(2, 14));
        assertEquals(0, BudgetSplit.NOTHING.shareOf(1, 14));
    }

    @Test
    void aViewTravelsAsTextAndNothingElseIsOne() {
        PeerView view = new PeerView(2, new TreeSet<>(Set.of(1, 2, 3)), true, false, Map.of("app", 4, "my db", 1, "x\nid 9", 2));
        assertEquals(view, PeerView.decode(view.encode()));
        assertThrows(IllegalArgumentException.class, () -> PeerView.decode("GET / HTTP/1.1\r\n".getBytes()));
        assertThrows(IllegalArgumentException.class, () -> PeerView.decode("id 1\nmembers 1,x\nholds no\nwaiting no\n".getBytes()));
    }

    @Test
    void threeReplicasStartingTogetherTakeNothingUntilTheyAgreeThenFourEach() {
        Replica a = replica(1);
        Replica b = replica(2);
        Replica c = replica(3);
        // then: nothing before the startup wait, even though all answer
        round(a, b, c);
        assertEquals(List.of(0, 0, 0), shares());
        // and four each a few ticks later
        rounds(6, a, b, c);
        assertEquals(List.of(4, 4, 4), shares());
    }

    @Test
    void whenOneStopsTheOthersTakeItsShareOnlyAfterTheDepartureWaitAndWhenItComesBackTheyShrinkFirst() {
        List<Replica> three = threeAtFourEach();
        Replica a = three.get(0);
        Replica b = three.get(1);
        Replica c = three.get(2);
        a.used = 4;
        b.used = 4;

        // when C stops answering: A and B keep four while C could still be counted live
        replicas.remove(c);
        int ticks = 0;
        while (a.shares.shareOf(BUDGET) == 4 && ticks < 20) {
            round(a, b);
            ticks++;
        }
        // then each takes six, about five seconds later (detection 2 s + wait 2.5 s)
        rounds(2, a, b);
        assertEquals(List.of(6, 6), List.of(a.shares.shareOf(BUDGET), b.shares.shareOf(BUDGET)));
        assertEquals(true, ticks >= 9 && ticks <= 12, "ticks " + ticks);
        a.used = 6;
        b.used = 6;

        // when C starts again: it takes nothing until A and B are down to four each
        Replica c2 = replica(3);
        round(a, b, c2);
        assertEquals(List.of(4, 4, 0), shares(), "A and B lower at once");
        rounds(6, a, b, c2);
        assertEquals(List.of(4, 4, 0), shares(), "A and B still use six each");
        a.used = 4;
        b.used = 4;
        rounds(2, a, b, c2);
        assertEquals(List.of(4, 4, 4), shares());
    }

    @Test
    void aReplicaThatThePeersNoLongerSeeGoesToNothingBeforeTheyRaise() {
        List<Replica> three = threeAtFourEach();
        Replica a = three.get(0);
        Replica b = three.get(1);
        Replica c = three.get(2);
        // when C's answers stop reaching A and B, but C still hears them
        for (int i = 0; i < 14; i++) {
            now += TICK;
            for (Replica to : List.of(a, b)) {
                for (Replica from : List.of(a, b)) {
                    if (from != to) {
                        to.shares.onAnswer(from.view(), now);
                    }
                }
            }
            for (Replica from : List.of(a, b)) {
                c.shares.onAnswer(from.view(), now);
            }
            for (Replica replica : replicas) {
                replica.shares.tick(now, PEER_IDS, database -> BUDGET);
            }
            assertEquals(true, sum() <= BUDGET, "shares " + shares() + " at tick " + i);
        }
        assertEquals(List.of(6, 6, 0), shares());
    }

    @Test
    void aReplicaThatJoinsWhileAnotherMayStillDrainTakesNothingUntilTheDrainIsOver() {
        // given: a shutdown_timeout of ten ticks, and three at four each, all in use
        drain = 10 * TICK;
        List<Replica> three = threeAtFourEach();
        three.forEach(replica -> replica.used = 4);
        Replica a = three.get(0);
        Replica b = three.get(1);
        Replica c = three.get(2);
        // when: C stops answering but drains its four servers, and D (id 4) starts two ticks later
        replicas.remove(c);
        rounds(2, a, b);
        Replica d = replica(4);
        int ticks = 2;
        while (d.shares.shareOf(BUDGET) == 0 && ticks < 40) {
            round(a, b, d);
            ticks++;
            // then: while C may drain, what A, B and D may use leaves room for C's four
            if (ticks < 5 + 10 + 4) {
                assertEquals(true, sum() + 4 <= BUDGET, "shares " + shares() + " at tick " + ticks);
            }
        }
        // and: D gets its share once the drain is over (detection + wait + drain after C's last answer)
        assertEquals(true, ticks >= 19 && ticks <= 24, "ticks " + ticks);
        a.used = 4;
        b.used = 4;
        rounds(2, a, b, d);
        assertEquals(List.of(4, 4, 4), shares());
    }

    // ---------------------------------------------------------------- plumbing

    private final class Replica {
        final int id;
        final BudgetShares shares;
        int used;

        Replica(int id) {
            this.id = id;
            this.shares = new BudgetShares(id, 4 * TICK, 5 * TICK, 5 * TICK + drain, now);
        }

        PeerView view() {
            return shares.view(now, Map.of("app", used));
        }
    }

    /** Replicas 1, 2 and 3 started together, past the startup wait: four each. */
    private List<Replica> threeAtFourEach() {
        List<Replica> three = List.of(replica(1), replica(2), replica(3));
        rounds(8, three.toArray(Replica[]::new));
        assertEquals(List.of(4, 4, 4), shares());
        return three;
    }

    private Replica replica(int id) {
        Replica replica = new Replica(id);
        replicas.add(replica);
        return replica;
    }

    /** One tick: each replica asks every other given one, then decides; the shares never add up to more than the budget. */
    private void round(Replica... running) {
        now += TICK;
        List<PeerView> views = new ArrayList<>();
        for (Replica replica : running) {
            views.add(replica.view());
        }
        for (Replica replica : running) {
            for (PeerView view : views) {
                if (view.id() != replica.id) {
                    replica.shares.onAnswer(view, now);
                }
            }
            replica.shares.tick(now, PEER_IDS, database -> BUDGET);
        }
        assertEquals(true, sum() <= BUDGET, "shares " + shares());
    }

    private void rounds(int count, Replica... running) {
        for (int i = 0; i < count; i++) {
            round(running);
        }
    }

    private List<Integer> shares() {
        return replicas.stream().map(replica -> replica.shares.shareOf(BUDGET)).toList();
    }

    private int sum() {
        return shares().stream().mapToInt(Integer::intValue).sum();
    }
}
