package dev.hygiene.bench.apps;

import dev.hygiene.bench.Proc;

import java.util.List;

/**
 * Holds N live groups, then prints the JVM's resident set (VmRSS) and the heap in use after
 * System.gc(): {@code rss-kb N}, {@code heap-used-kb N}.
 */
public final class Memory {

    private Memory() {}

    static List<Process> held;

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        held = Groups.start(n);
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        Runtime rt = Runtime.getRuntime();
        long heapUsed = rt.totalMemory() - rt.freeMemory();
        long self = ProcessHandle.current().pid();
        System.out.println("rss-kb " + Proc.statusKb(self, "VmRSS"));
        System.out.println("heap-used-kb " + heapUsed / 1024);
        System.out.println("threads " + Thread.activeCount());
        System.out.flush();
    }
}
