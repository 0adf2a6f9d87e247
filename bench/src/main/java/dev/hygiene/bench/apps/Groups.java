package dev.hygiene.bench.apps;

import dev.hygiene.bench.Proc;

import java.io.File;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Starts groups of two processes that honour SIGTERM: {@code sh -c 'sleep 300 & wait'}. */
final class Groups {

    private Groups() {}

    static final String[] COMMAND = {"sh", "-c", "sleep 300 & wait"};

    /**
     * Starts N groups and returns once every shell has started its sleep. With PIPES each child's
     * standard streams are pipes to the JVM (the JDK's default: 3 file descriptors per child in the
     * JVM); without, stdin is /dev/null and stdout/stderr are discarded (none).
     */
    static List<Process> start(int n, boolean pipes) throws Exception {
        List<Process> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ProcessBuilder pb = new ProcessBuilder(COMMAND);
            if (!pipes) {
                pb.redirectInput(new File("/dev/null")).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD);
            }
            out.add(pb.start());
        }
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
