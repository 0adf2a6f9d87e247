package dev.hygiene.core;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/** What the agent has done since it started, for the MBean: counters only, cheap to update. */
final class Statistics {

    /**
     * One counter. An AtomicLong (which every JVM has loaded before main) rather than a LongAdder,
     * whose first use initialises VarHandles in premain (~2 ms of every JVM's start-up, measured on
     * JDK 17); a start or a termination updates a few of these, without contention worth striping.
     */
    static final class Counter extends AtomicLong {
        private static final long serialVersionUID = 1L;

        void increment() {
            incrementAndGet();
        }

        void decrement() {
            decrementAndGet();
        }

        void add(long n) {
            addAndGet(n);
        }

        long sum() {
            return get();
        }
    }

    final Counter started = new Counter();
    final Counter isolated = new Counter();
    final Counter kept = new Counter();
    final Counter adopted = new Counter();
    final Counter terminatedBySigterm = new Counter();
    final Counter terminatedBySigkill = new Counter();
    final Counter escapeesCaught = new Counter();
    private final Counter[] notIsolated = new Counter[NotIsolated.values().length];

    Statistics() {
        for (int i = 0; i < notIsolated.length; i++) notIsolated[i] = new Counter();
    }

    void notIsolated(NotIsolated reason) {
        notIsolated[reason.ordinal()].increment();
    }

    long notIsolatedTotal() {
        long total = 0;
        for (Counter n : notIsolated) total += n.sum();
        return total;
    }

    /** Each reason that occurred, by its label, to its count. */
    Map<String, Long> notIsolatedByReason() {
        Map<String, Long> out = new TreeMap<>();
        for (NotIsolated r : NotIsolated.values()) {
            long n = notIsolated[r.ordinal()].sum();
            if (n > 0) out.put(r.label, n);
        }
        return out;
    }
}
