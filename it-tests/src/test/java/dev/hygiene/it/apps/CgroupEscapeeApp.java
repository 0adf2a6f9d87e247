package dev.hygiene.it.apps;

import dev.hygiene.it.Cgroups;
import dev.hygiene.it.Proc;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Descendants that leave their process group in the ways no environment marker can follow, for a
 * JVM whose children get cgroups of their own. Reports {@code GROUP <leader>}, {@code CGROUP
 * <directory of the child's cgroup>}, and once they run, {@code ESCAPEES <pid>:<start> ...} (live
 * processes in that cgroup outside the group) and {@code MEMBERS <leader> <pid>:<start> ...} (the
 * group's live members). Modes (args):
 * <ul>
 *   <li>{@code escapees ENDING}: a child ({@code sh -c}) three of whose descendants leave its
 *       group and session, each a {@code sleep 600}: {@code env -i setsid -f} (a cleared
 *       environment), {@code env -i sh -c 'setsid sh -c "sleep 600 &" &'} (a double fork with a
 *       scrubbed environment), and {@code setpriv --reuid=65534 ... setsid -f} (another user);
 *       one more sleep stays in the group. ENDING as in {@link EscapeeApp}, but {@code return}
 *       and {@code destroy} wait for a line on stdin first (for the test to look at everything
 *       before), {@code drop} (the child exits once the app has read its cgroup,
 *       {@code LEADER_EXIT <code>}, the app drops its Process and calls System.gc() until all
 *       are gone: {@code ALL_GONE}), {@code wait} ({@code READY}, then sleeps for SIGKILL);</li>
 *   <li>{@code forking}: a child that ignores SIGTERM and starts a new escapee ({@code setsid -f
 *       sleep 600}, SIGTERM ignored too) every 20 ms; {@code READY} once 10 of them run; on
 *       "destroy" from stdin {@code Process.destroy()}, {@code DESTROYED}, {@code EXIT <code>};
 *       on "exit" returns;</li>
 *   <li>{@code other-user}: a child started as user 65534 ({@code setpriv --reuid=65534
 *       --regid=65534 --clear-groups sh -c ...}) which starts an escapee of its own
 *       ({@code setsid -f sleep 600}) and runs {@code sleep 600}; at a line on stdin
 *       {@code EXITING}, main returns.</li>
 * </ul>
 */
public final class CgroupEscapeeApp {

    static final String AS_NOBODY = "setpriv --reuid=65534 --regid=65534 --clear-groups";
    static final String ESCAPE = "env -i setsid -f sleep 600; env -i sh -c 'setsid sh -c \"sleep 600 &\" &'; "
            + AS_NOBODY + " setsid -f sleep 600; sleep 600 & ";
    /** The child stays, waiting for its jobs. */
    static final String CHILD_STAYS = ESCAPE + "wait";
    /** The child exits once told (a line on its stdin), leaving a member in its group and the escapees behind. */
    static final String CHILD_EXITS = ESCAPE + "read line; exit 0";
    static final String FORKING = "trap '' TERM; while :; do setsid -f sleep 600; sleep 0.02; done";

    /** Held until the end (not for drop). */
    static Process child;

    public static void main(String[] args) throws Exception {
        Report.jvm();
        switch (args[0]) {
            case "escapees":
                escapees(args[1]);
                break;
            case "forking":
                forking();
                break;
            case "other-user":
                otherUser();
                break;
            default:
                throw new IllegalArgumentException(args[0]);
        }
    }

    private static void escapees(String ending) throws Exception {
        List<Proc.Stat> all = ending.equals("drop") ? startExitAndDrop() : startAndHold();
        switch (ending) {
            case "return":
                new BufferedReader(new InputStreamReader(System.in)).readLine();
                Report.line("EXITING");
                return;
            case "destroy":
                new BufferedReader(new InputStreamReader(System.in)).readLine();
                child.destroy();
                Report.line("DESTROYED");
                Report.line("EXIT " + child.waitFor());
                awaitGone(all, 10, false);
                break;
            case "drop":
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
        new BufferedReader(new InputStreamReader(System.in)).readLine();
    }

    private static List<Proc.Stat> startAndHold() throws Exception {
        child = new ProcessBuilder("sh", "-c", CHILD_STAYS).start();
        Report.line("GROUP " + child.pid());
        Path cgroup = reportCgroup(child.pid());
        return awaitEscaped(child.pid(), cgroup, 3, 2);
    }

    /** In a method of its own, so that no local variable keeps the Process reachable afterwards. */
    private static List<Proc.Stat> startExitAndDrop() throws Exception {
        Process p = new ProcessBuilder("sh", "-c", CHILD_EXITS).start();
        Report.line("GROUP " + p.pid());
        Path cgroup = reportCgroup(p.pid()); // while the leader waits for its line
        List<Proc.Stat> all = awaitEscaped(p.pid(), cgroup, 3, 2);
        try (OutputStream in = p.getOutputStream()) {
            in.write('\n');
        }
        Report.line("LEADER_EXIT " + p.waitFor());
        return all;
    }

    private static void forking() throws Exception {
        child = new ProcessBuilder("sh", "-c", FORKING).start();
        Report.line("GROUP " + child.pid());
        Path cgroup = reportCgroup(child.pid());
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (outside(child.pid(), cgroup).size() < 10) {
            if (System.nanoTime() - deadline >= 0) throw new IllegalStateException("no 10 escapees in " + cgroup);
            Thread.sleep(10);
        }
        Report.line("READY");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.equals("destroy")) {
                child.destroy();
                Report.line("DESTROYED");
                Report.line("EXIT " + child.waitFor());
            } else if (line.equals("exit")) {
                return;
            }
        }
    }

    private static void otherUser() throws Exception {
        child = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "sh", "-c", "setsid -f sleep 600; exec sleep 600").start();
        Report.line("GROUP " + child.pid());
        Path cgroup = reportCgroup(child.pid());
        awaitEscaped(child.pid(), cgroup, 1, 1);
        new BufferedReader(new InputStreamReader(System.in)).readLine();
        Report.line("EXITING");
    }

    /** Reports and returns the directory of PID's cgroup. */
    private static Path reportCgroup(long pid) {
        Path cgroup = Cgroups.dirOf(pid);
        Report.line("CGROUP " + cgroup);
        return cgroup;
    }

    /** The live processes in CGROUP outside the group LEADER leads. */
    private static List<Proc.Stat> outside(long leader, Path cgroup) {
        List<Proc.Stat> out = new ArrayList<>();
        for (long pid : Cgroups.procs(cgroup)) {
            Proc.Stat s = Proc.stat(pid);
            if (s != null && s.alive() && s.pgrp != leader) out.add(s);
        }
        return out;
    }

    /**
     * Waits (up to 30 s) until LEADER's group has GROUP_SIZE live members (the leader, if alive, and
     * sleeps) and ESCAPEES sleeps run in CGROUP outside it; reports them.
     */
    private static List<Proc.Stat> awaitEscaped(long leader, Path cgroup, int escapees, int groupSize) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            List<Proc.Stat> group = Proc.liveInGroup(leader);
            List<Proc.Stat> out = outside(leader, cgroup);
            boolean settled = group.size() == groupSize
                    && group.stream().allMatch(s -> s.pid == leader || s.comm.equals("sleep"))
                    && out.size() == escapees && out.stream().allMatch(s -> s.comm.equals("sleep"));
            if (settled) {
                Report.line("ESCAPEES " + out.stream().map(s -> s.pid + ":" + s.startTime).collect(Collectors.joining(" ")));
                Report.line("MEMBERS " + leader + " " + group.stream().map(s -> s.pid + ":" + s.startTime).collect(Collectors.joining(" ")));
                List<Proc.Stat> all = new ArrayList<>(group);
                all.addAll(out);
                return all;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("group " + leader + " " + group + ", outside it in " + cgroup + ": " + out);
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
