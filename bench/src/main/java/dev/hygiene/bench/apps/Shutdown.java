package dev.hygiene.bench.apps;

import java.util.Arrays;
import java.util.List;

/**
 * Starts N groups that honour SIGTERM, prints {@code main-return NANOTIME} (System.nanoTime(),
 * CLOCK_MONOTONIC: comparable across processes on Linux) and returns from main while they run.
 * The harness measures from that time to the JVM's process being gone.
 *
 * <p>Options after N: {@code by-hand}: after printing the time, main does what an application
 * without the agent could do itself: {@code destroy()} every Process (SIGTERM to the leader only)
 * and {@code waitFor()} each, then returns. {@code no-pipes}: the children's streams are
 * /dev/null and discarded instead of the JDK's default pipes.
 */
public final class Shutdown {

    private Shutdown() {}

    static List<Process> held;

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        List<String> options = Arrays.asList(args).subList(1, args.length);
        held = Groups.start(n, !options.contains("no-pipes"));
        System.out.println("started " + held.size());
        System.out.println("main-return " + System.nanoTime());
        System.out.flush();
        if (options.contains("by-hand")) {
            for (Process p : held) p.destroy();
            for (Process p : held) p.waitFor();
        }
    }
}
