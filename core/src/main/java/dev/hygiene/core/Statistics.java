package dev.hygiene.core;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/** What the agent has done since it started, for the MBean: counters only, cheap to update. */
final class Statistics {

    // AtomicLongs (loaded before main in every JVM) rather than LongAdders, whose first use
    // initialises VarHandles in premain: a start or a termination updates a few of these, with no
    // contention worth striping.
    final AtomicLong started = new AtomicLong();
    final AtomicLong isolated = new AtomicLong();
    final AtomicLong kept = new AtomicLong();
    final AtomicLong adopted = new AtomicLong();
    final AtomicLong terminatedBySigterm = new AtomicLong();
    final AtomicLong terminatedBySigkill = new AtomicLong();
    final AtomicLong escapeesCaught = new AtomicLong();
    private final AtomicLong[] notIsolated = new AtomicLong[NotIsolated.values().length];

    Statistics() {
        for (int i = 0; i < notIsolated.length; i++) notIsolated[i] = new AtomicLong();
    }

    void notIsolated(NotIsolated reason) {
        notIsolated[reason.ordinal()].incrementAndGet();
    }

    long notIsolatedTotal() {
        long total = 0;
        for (AtomicLong n : notIsolated) total += n.get();
        return total;
    }

    /** Each reason that occurred, by its label, to its count. */
    Map<String, Long> notIsolatedByReason() {
        Map<String, Long> out = new TreeMap<>();
        for (NotIsolated r : NotIsolated.values()) {
            long n = notIsolated[r.ordinal()].get();
            if (n > 0) out.put(r.label, n);
        }
        return out;
    }
}
