package dev.hygiene.bench.apps;

import dev.hygiene.bench.Proc;

import java.util.ArrayList;
import java.util.List;

/**
 * Escalation accuracy, in a JVM with the agent and grace=1s: REPS times, starts a group whose
 * members all ignore SIGTERM, waits until its three members run, calls destroy() and polls the
 * members' /proc entries until all are gone (zombies count as gone). Prints
 * {@code escalation-ns N} per repetition, and {@code term-survived true} if every member was still
 * alive 900 ms after destroy() (it ignored SIGTERM, as it should).
 */
public final class Escalate {

    private Escalate() {}

    static final String[] COMMAND = {"sh", "-c", "trap '' TERM; sleep 300 & sleep 300 & wait"};

    public static void main(String[] args) throws Exception {
        int reps = Integer.parseInt(args[0]);
        for (int r = 0; r < reps; r++) {
            Process p = new ProcessBuilder(COMMAND).start();
            List<Long> members = new ArrayList<>();
            members.add(p.pid());
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (members.size() < 3) {
                members.subList(1, members.size()).clear();
                for (Proc.Stat s : Proc.all()) if (s.alive() && s.ppid == p.pid()) members.add(s.pid);
                if (System.nanoTime() > deadline) throw new IllegalStateException("the group did not start its members");
                if (members.size() < 3) Thread.sleep(5);
            }
            Thread.sleep(20); // let the shell reach its wait
            long t0 = System.nanoTime();
            p.destroy();
            boolean survived900 = false;
            while (true) {
                boolean any = false;
                int alive = 0;
                for (long pid : members) if (Proc.alive(pid)) alive++;
                any = alive > 0;
                long now = System.nanoTime();
                if (!survived900 && now - t0 >= 900_000_000L) survived900 = alive == members.size();
                if (!any) {
                    System.out.println("escalation-ns " + (now - t0));
                    break;
                }
                if (now - t0 > 10_000_000_000L) throw new IllegalStateException("the group outlived 10 s");
                Thread.onSpinWait();
                java.util.concurrent.locks.LockSupport.parkNanos(200_000);
            }
            System.out.println("term-survived " + survived900);
            p.waitFor();
        }
        System.out.flush();
    }
}
