package dev.hygiene.bench.apps;

import dev.hygiene.bench.Proc;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Starts groups of two processes that honour SIGTERM: {@code sh -c 'sleep 300 & wait'}. */
final class Groups {

    private Groups() {}

    static final String[] COMMAND = {"sh", "-c", "sleep 300 & wait"};

    /** Starts N groups and returns once every shell has started its sleep. */
    static List<Process> start(int n) throws Exception {
        List<Process> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(new ProcessBuilder(COMMAND).start());
        Set<Long> shells = new HashSet<>();
        for (Process p : out) shells.add(p.pid());
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            int withChild = 0;
            for (Proc.Stat s : Proc.all()) if (s.alive() && shells.contains(s.ppid)) withChild++;
            if (withChild >= n) return out;
            if (System.nanoTime() > deadline) throw new IllegalStateException(withChild + " of " + n + " shells started sleep");
            Thread.sleep(20);
        }
    }
}
