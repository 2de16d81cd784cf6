package io.pgmux.proxy.pool;

/**
 * A budget's numbers at one moment, for the admin console: server connections open or being opened
 * over all the pools of a database or user, and the limit (0 = none).
 */
public record ConnectionBudgetView(int used, int limit) {
    static ConnectionBudgetView of(ConnectionBudget budget) {
        synchronized (budget) {
            return new ConnectionBudgetView(budget.used(), budget.limit());
        }
    }
}
