package dev.hygiene.it.apps;

import dev.hygiene.it.Proc;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.List;

/**
 * Starts one process tree, reports it, and destroys it with {@code Process.destroy()} or
 * {@code destroyForcibly()}; reports what it sees from inside, then waits for a line on stdin
 * before it exits (so the test can look from outside while the JVM still runs):
 * <ul>
 *   <li>{@code STOPPED <n>}: members stopped before the destroy (KIND stopped only);</li>
 *   <li>{@code DESTROYED} right after the call returned;</li>
 *   <li>{@code ALIVE_AT_500MS <n> measured-at-ms <ms>}: members alive 500 ms after the call
 *       (KIND ignore-term only);</li>
 *   <li>{@code EXIT <code>}: what waitFor() returned;</li>
 *   <li>{@code GROUP_EMPTY_AFTER_MS <ms>} once no member and nothing in the child's group is alive
 *       (or {@code GROUP_NOT_EMPTY <members>} after 10 s);</li>
 *   <li>{@code DONE}.</li>
 * </ul>
 * Args: {@code destroy|destroyForcibly tree|ignore-term|stopped [hold]} (stopped: one grandchild
 * is stopped with SIGSTOP before the destroy; hold: after {@code MEMBERS} it waits for a line on
 * stdin before the destroy, so that the test can look at the tree first).
 */
public final class DestroyApp {

    public static void main(String[] args) throws Exception {
        Report.jvm();
        boolean force = args[0].equals("destroyForcibly");
        boolean ignoresTerm = args[1].equals("ignore-term");
        boolean stopped = args[1].equals("stopped");
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in));
        Process p = Trees.start(ignoresTerm ? Trees.TREE_IGNORING_TERM : stopped ? Trees.TREE_WITH_STOPPED : Trees.TREE);
        List<Proc.Stat> members = Trees.awaitMembers(p.pid(), 3);
        if (args.length > 2 && args[2].equals("hold")) stdin.readLine();
        if (stopped) {
            long until = System.nanoTime() + 10_000_000_000L;
            while (Trees.descendants(p.pid()).stream().noneMatch(s -> s.state == 'T') && System.nanoTime() - until < 0) {
                Thread.sleep(5);
            }
            Report.line("STOPPED " + Trees.descendants(p.pid()).stream().filter(s -> s.state == 'T').count());
        }

        long t0 = System.nanoTime();
        if (force) p.destroyForcibly(); else p.destroy();
        Report.line("DESTROYED");
        if (ignoresTerm) {
            long wait = 500_000_000L - (System.nanoTime() - t0);
            if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            int alive = Trees.alive(members).size();
            Report.line("ALIVE_AT_500MS " + alive + " measured-at-ms " + (System.nanoTime() - t0) / 1_000_000);
        }
        Report.line("EXIT " + p.waitFor());

        long deadline = t0 + 10_000_000_000L;
        while (!Trees.alive(members).isEmpty() || !Proc.liveInGroup(p.pid()).isEmpty()) {
            if (System.nanoTime() - deadline > 0) {
                Report.line("GROUP_NOT_EMPTY " + Trees.alive(members) + " " + Proc.liveInGroup(p.pid()));
                break;
            }
            Thread.sleep(5);
        }
        if (System.nanoTime() - deadline <= 0) Report.line("GROUP_EMPTY_AFTER_MS " + (System.nanoTime() - t0) / 1_000_000);
        Report.line("DONE");
        stdin.readLine();
    }
}
