package io.pgmux.proxy.pool;

import io.netty.util.concurrent.FastThreadLocal;

import java.util.ArrayDeque;
import java.util.function.BiConsumer;

/**
 * Runs the hand-overs of servers to waiters on one thread with a stack of constant depth.
 *
 * <p>A hand-over can start another: a client that gets a server may give it straight back (its
 * startup settings needed no change), and the release hands it to the next waiter on the same loop.
 * Called directly, that is one stack frame per queued client, and a storm of thousands of clients
 * overflows the stack. Here a hand-over started while another one runs on the same thread is queued
 * instead, and the outermost call runs the queue, in order, as soon as the running one returns:
 * still on this thread, within the same event-loop task, before any other task of the loop.
 * The common case, no hand-over running, stays a plain call.
 *
 * <p>A hand-over that throws does not stop the queue: every queued hand-over still runs (a server
 * handed to a waiter must reach it), and the first failure is then thrown to the outermost caller,
 * where a directly nested call would have ended up too.
 */
final class HandOvers {
    private static final FastThreadLocal<HandOvers> CURRENT = new FastThreadLocal<>() {
        @Override
        protected HandOvers initialValue() {
            return new HandOvers();
        }
    };

    private final ArrayDeque<Queued<?, ?>> queued = new ArrayDeque<>();
    private boolean running;

    private record Queued<A, B>(BiConsumer<A, B> action, A first, B second) {
        void run() {
            action.accept(first, second);
        }
    }

    private HandOvers() {}

    /**
     * Calls {@code action(first, second)} now, or, if a hand-over is already running on this thread,
     * right after it. Arguments instead of a closure: the direct call allocates nothing.
     */
    static <A, B> void run(BiConsumer<A, B> action, A first, B second) {
        HandOvers current = CURRENT.get();
        if (current.running) {
            current.queued.addLast(new Queued<>(action, first, second));
            return;
        }
        current.running = true;
        Throwable failure = null;
        try {
            action.accept(first, second);
        } catch (Throwable t) {
            failure = t;
        }
        failure = current.runQueued(failure);
        current.running = false;
        if (failure instanceof RuntimeException e) {
            throw e;
        } else if (failure instanceof Error e) {
            throw e;
        } else if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }

    /** Runs the queue to its end, hand-overs queued meanwhile included; returns the first failure. */
    private Throwable runQueued(Throwable failure) {
        for (Queued<?, ?> next = queued.pollFirst(); next != null; next = queued.pollFirst()) {
            try {
                next.run();
            } catch (Throwable t) {
                if (failure == null) {
                    failure = t;
                } else if (failure != t) {
                    failure.addSuppressed(t);
                }
            }
        }
        return failure;
    }
}
