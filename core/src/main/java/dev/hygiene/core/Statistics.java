package dev.hygiene.core;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;

/** What the agent has done since it started, for the MBean: counters only, cheap to update. */
final class Statistics {

    final LongAdder started = new LongAdder();
    final LongAdder isolated = new LongAdder();
    final LongAdder kept = new LongAdder();
    final LongAdder adopted = new LongAdder();
    final LongAdder terminatedBySigterm = new LongAdder();
    final LongAdder terminatedBySigkill = new LongAdder();
    final LongAdder escapeesCaught = new LongAdder();
    private final LongAdder[] notIsolated = new LongAdder[NotIsolated.values().length];

    Statistics() {
        for (int i = 0; i < notIsolated.length; i++) notIsolated[i] = new LongAdder();
    }

    void notIsolated(NotIsolated reason) {
        notIsolated[reason.ordinal()].increment();
    }

    long notIsolatedTotal() {
        long total = 0;
        for (LongAdder n : notIsolated) total += n.sum();
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
