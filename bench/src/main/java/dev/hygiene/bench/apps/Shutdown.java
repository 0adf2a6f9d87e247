package dev.hygiene.bench.apps;

import java.util.List;

/**
 * Starts N groups that honour SIGTERM, prints {@code main-return NANOTIME} (System.nanoTime(),
 * CLOCK_MONOTONIC: comparable across processes on Linux) and returns from main while they run.
 * The harness measures from that time to the JVM's process being gone.
 */
public final class Shutdown {

    private Shutdown() {}

    static List<Process> held;

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        held = Groups.start(n);
        System.out.println("started " + held.size());
        System.out.println("main-return " + System.nanoTime());
        System.out.flush();
    }
}
