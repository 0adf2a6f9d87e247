package dev.hygiene.core;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
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
    private final ConcurrentHashMap<String, LongAdder> notIsolated = new ConcurrentHashMap<>();

    void notIsolated(String reason) {
        LongAdder n = notIsolated.get(reason);
        if (n == null) {
            LongAdder fresh = new LongAdder();
            n = notIsolated.putIfAbsent(reason, fresh);
            if (n == null) n = fresh;
        }
        n.increment();
    }

    long notIsolatedTotal() {
        long total = 0;
        for (LongAdder n : notIsolated.values()) total += n.sum();
        return total;
    }

    Map<String, Long> notIsolatedByReason() {
        Map<String, Long> out = new TreeMap<>();
        for (Map.Entry<String, LongAdder> e : notIsolated.entrySet()) out.put(e.getKey(), e.getValue().sum());
        return out;
    }
}
