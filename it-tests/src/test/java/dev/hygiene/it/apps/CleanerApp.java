package dev.hygiene.it.apps;

import dev.hygiene.it.Proc;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.List;

/**
 * The dropped-Process path: starts {@code sh -c 'sleep 300 & exit 0'}, waits for the leader to
 * exit, finds the orphan sleep (its process group is the leader's pid) and reports
 * {@code ORPHAN <pid>:<start>}; on a line on stdin (once the test has looked at the orphan) it
 * drops the Process and calls System.gc() until the orphan is gone (up to 30 s). Then reports
 * {@code ORPHAN_GONE <gc calls>} or {@code ORPHAN_ALIVE}, then {@code DONE}, and waits for another
 * line on stdin before it exits.
 */
public final class CleanerApp {

    /** The child's Process until the test says to drop it. */
    static Process held;

    public static void main(String[] args) throws Exception {
        Report.jvm();
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in));
        Proc.Stat orphan = start();
        stdin.readLine();
        held = null;
        long deadline = System.nanoTime() + 30_000_000_000L;
        int gcs = 0;
        while (Proc.alive(orphan.pid, orphan.startTime)) {
            if (System.nanoTime() - deadline > 0) break;
            System.gc();
            gcs++;
            Thread.sleep(20);
        }
        Report.line(Proc.alive(orphan.pid, orphan.startTime) ? "ORPHAN_ALIVE" : "ORPHAN_GONE " + gcs);
        Report.line("DONE");
        stdin.readLine();
    }

    /** In a method of its own, so that no local variable keeps the Process reachable afterwards. */
    private static Proc.Stat start() throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "sleep 300 & exit 0").start();
        held = p;
        long leader = p.pid();
        Report.line("GROUP " + leader);
        int exit = p.waitFor();
        List<Proc.Stat> left = Proc.liveInGroup(leader);
        if (left.size() != 1) throw new IllegalStateException("expected one orphan in group " + leader + ": " + left);
        Proc.Stat orphan = left.get(0);
        Report.line("LEADER_EXIT " + exit);
        Report.line("ORPHAN " + orphan.pid + ":" + orphan.startTime);
        return orphan;
    }
}
