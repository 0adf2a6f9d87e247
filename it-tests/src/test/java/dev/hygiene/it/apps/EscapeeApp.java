package dev.hygiene.it.apps;

import dev.hygiene.it.Proc;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Starts a child ({@code sh -c}) three of whose descendants leave its process group and session,
 * the three usual ways, each a {@code sleep 300} that keeps the child's environment marker:
 * <ul>
 *   <li>{@code setsid sleep 300 &}: a background job that calls setsid(2) itself (it does not
 *       lead a group, so setsid(1) does not fork) and stays the child's child;</li>
 *   <li>{@code setsid -f sleep 300}: forks, the child calls setsid, the parent exits;</li>
 *   <li>{@code (setsid sleep 300 &)}: a double fork that also calls setsid (a subshell starts a
 *       background job and exits, the job calls setsid): the daemon idiom.</li>
 * </ul>
 * One more {@code sleep 300} stays in the group. Reports {@code GROUP <leader>}, {@code MARKER
 * <token>} (the child's PROCESS_HYGIENE_GROUP, read from /proc), {@code ESCAPEES <pid>:<start>
 * ...} (the three, once they run sleep outside the group) and {@code MEMBERS <leader> ...} (the
 * live members of the group), then waits for a line on stdin (once the test has looked at them
 * from outside) and ends as ENDING (the only arg) says:
 * <ul>
 *   <li>{@code return}: at a line on stdin (the test looks at everything before), {@code EXITING},
 *       main returns (the shutdown hook);</li>
 *   <li>{@code exited}: the child exits at once instead ({@code LEADER_EXIT <code>}, before the
 *       reports above), the app keeps its Process, and then as {@code return}: the shutdown hook
 *       finds a finished child whose group and escapees live on;</li>
 *   <li>{@code destroy}: at a line on stdin, {@code Process.destroy()}, {@code DESTROYED}, {@code EXIT <code>}, then
 *       {@code ALL_GONE} once group and escapees are gone (or {@code NOT_GONE <who>} after 10 s),
 *       {@code DONE}, and waits for a line on stdin;</li>
 *   <li>{@code drop}: the child exits at once instead ({@code LEADER_EXIT <code>}, before the
 *       reports above), the app drops its Process and calls System.gc() until group and
 *       escapees are gone: {@code ALL_GONE} (or {@code NOT_GONE <who>} after 30 s), {@code DONE},
 *       and waits for a line on stdin;</li>
 *   <li>{@code wait}: {@code READY}, then sleeps (for SIGKILL from the test).</li>
 * </ul>
 */
public final class EscapeeApp {

    static final String ESCAPE = "setsid sleep 300 & setsid -f sleep 300; (setsid sleep 300 &); sleep 300 & ";
    /** The child stays, waiting for its jobs. */
    static final String CHILD_STAYS = ESCAPE + "wait";
    /** The child exits, leaving a member in its group and the escapees behind. */
    static final String CHILD_EXITS = ESCAPE + "exit 0";

    /** Held until the end (for drop: until the ending). */
    static Process child;

    public static void main(String[] args) throws Exception {
        Report.jvm();
        String ending = args[0];
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in));
        List<Proc.Stat> all = ending.equals("drop") || ending.equals("exited") ? startAndExit() : startAndHold();
        stdin.readLine();
        switch (ending) {
            case "return":
            case "exited":
                stdin.readLine(); // the test's second word: it has looked at the escapees
                Report.line("EXITING");
                return;
            case "destroy":
                stdin.readLine(); // the test's second word: it has looked at the escapees
                child.destroy();
                Report.line("DESTROYED");
                Report.line("EXIT " + child.waitFor());
                awaitGone(all, 10, false);
                break;
            case "drop":
                child = null;
                awaitGone(all, 30, true);
                break;
            case "wait":
                Report.line("READY");
                Thread.sleep(Long.MAX_VALUE);
                return;
            default:
                throw new IllegalArgumentException(ending);
        }
        Report.line("DONE");
        stdin.readLine();
    }

    /** Starts the child that stays; returns its members and escapees. */
    private static List<Proc.Stat> startAndHold() throws Exception {
        child = new ProcessBuilder("sh", "-c", CHILD_STAYS).start();
        Report.line("GROUP " + child.pid());
        return awaitEscaped(child.pid(), 2);
    }

    /** In a method of its own, so that no local variable keeps the Process reachable once child is cleared. */
    private static List<Proc.Stat> startAndExit() throws Exception {
        Process p = new ProcessBuilder("sh", "-c", CHILD_EXITS).start();
        child = p;
        Report.line("GROUP " + p.pid());
        Report.line("LEADER_EXIT " + p.waitFor());
        return awaitEscaped(p.pid(), 1);
    }

    /**
     * Waits (up to 30 s) until the group LEADER leads has GROUP_SIZE live members (the leader, if
     * alive, and sleeps) and three sleeps carrying its marker run outside it; reports them.
     */
    private static List<Proc.Stat> awaitEscaped(long leader, int groupSize) throws Exception {
        String marker = null;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            if (marker == null) {
                // The leader carries the marker from its exec on; once it exited, any member does.
                for (Proc.Stat s : Proc.liveInGroup(leader)) {
                    List<String> m = Proc.markers(s.pid);
                    if (!m.isEmpty()) {
                        marker = m.get(m.size() - 1);
                        break;
                    }
                }
            }
            List<Proc.Stat> group = Proc.liveInGroup(leader);
            List<Proc.Stat> escapees = new ArrayList<>();
            if (marker != null) {
                for (Proc.Stat s : Proc.all()) {
                    if (s.alive() && s.pgrp != leader && s.comm.equals("sleep") && Proc.markers(s.pid).contains(marker)) {
                        escapees.add(s);
                    }
                }
            }
            boolean settled = group.size() == groupSize
                    && group.stream().allMatch(s -> s.pid == leader || s.comm.equals("sleep"));
            if (settled && escapees.size() == 3) {
                Report.line("MARKER " + marker);
                Report.line("ESCAPEES " + escapees.stream().map(s -> s.pid + ":" + s.startTime).collect(Collectors.joining(" ")));
                Report.line("MEMBERS " + leader + " " + group.stream().map(s -> s.pid + ":" + s.startTime).collect(Collectors.joining(" ")));
                List<Proc.Stat> all = new ArrayList<>(group);
                all.addAll(escapees);
                return all;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("group " + leader + " " + group + ", marker " + marker + ", escapees " + escapees);
            }
            Thread.sleep(10);
        }
    }

    /** Waits up to SECONDS until none of ALL is alive, calling System.gc() meanwhile if GC. */
    private static void awaitGone(List<Proc.Stat> all, int seconds, boolean gc) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!Trees.alive(all).isEmpty()) {
            if (System.nanoTime() - deadline > 0) {
                Report.line("NOT_GONE " + Trees.alive(all));
                return;
            }
            if (gc) System.gc();
            Thread.sleep(20);
        }
        Report.line("ALL_GONE");
    }
}
