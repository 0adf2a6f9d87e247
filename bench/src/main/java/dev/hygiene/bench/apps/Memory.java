package dev.hygiene.bench.apps;

import dev.hygiene.bench.Proc;

import java.util.List;

/**
 * Holds N live groups, then prints the JVM's resident set (VmRSS) and the heap in use after
 * System.gc(): {@code rss-kb N}, {@code heap-used-kb N}. It measures 2 s after the groups
 * started, as a JVM that has been holding them for a while (the agent registers its MBean in the
 * background 1 s after the first process start). With a second argument {@code jmx}, it starts the
 * platform MBean server itself first, as the agent's MBean registration does (a diagnostic).
 */
public final class Memory {

    private Memory() {}

    static List<Process> held;

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        if (args.length > 1 && args[1].equals("jmx")) java.lang.management.ManagementFactory.getPlatformMBeanServer();
        held = Groups.start(n, true);
        Thread.sleep(2000);
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
