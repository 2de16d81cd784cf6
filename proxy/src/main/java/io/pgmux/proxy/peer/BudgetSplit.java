package io.pgmux.proxy.peer;

import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * How one set of live replicas splits each database's {@code max_db_connections}: evenly (floor),
 * the remainder one each to the lowest ids. Every replica computes the same split from the same set,
 * so each knows the others' shares without being told.
 *
 * @param members the ids of the live replicas, this one among them; empty = {@link #NOTHING}
 */
public record BudgetSplit(SortedSet<Integer> members) {
    /** No share at all: before the peers have agreed, or when a peer does not count this replica. */
    public static final BudgetSplit NOTHING = new BudgetSplit(new TreeSet<>());

    public BudgetSplit {
        members = new TreeSet<>(members);
    }

    public static BudgetSplit of(Integer... ids) {
        return new BudgetSplit(new TreeSet<>(List.of(ids)));
    }

    /** The share of {@code budget} that replica {@code id} may use; 0 if it is not a member. */
    public int shareOf(int id, int budget) {
        if (!members.contains(id)) {
            return 0;
        }
        int rank = members.headSet(id).size();
        return budget / members.size() + (rank < budget % members.size() ? 1 : 0);
    }

    @Override
    public String toString() {
        return members.isEmpty() ? "nothing" : members.toString();
    }
}
