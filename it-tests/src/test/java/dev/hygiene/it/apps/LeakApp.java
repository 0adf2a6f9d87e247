package dev.hygiene.it.apps;

import dev.hygiene.it.Proc;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;

/**
 * Leaves children for the agent to terminate, for its leak reports. Each child is started on a
 * line of this file that the app computes and reports, {@code STARTED <pid> <method> <line>}, so
 * that the test knows the frame the report must name. Args:
 * <ul>
 *   <li>{@code return}: starts a tree that goes on SIGTERM and one that ignores it, reports
 *       {@code MEMBERS} for each, {@code AGE <pid> <ms>} (time since each start() returned) and
 *       {@code EXITING}; main returns;</li>
 *   <li>{@code wait}: the same trees, {@code AGE}s, {@code READY}, then sleeps (for SIGKILL);</li>
 *   <li>{@code multiline}: starts a tree whose script spans two lines ({@code "sleep 300 &\nwait"}),
 *       reports {@code MEMBERS}, {@code AGE} and {@code EXITING}; main returns;</li>
 *   <li>{@code drop}: starts a tree and destroys it (not a leak: {@code DESTROYED}, {@code EXIT
 *       <code>}, {@code DESTROYED_GONE}), then a child that exits leaving a member behind in its
 *       group, drops its Process and calls System.gc() until the member is gone
 *       ({@code ORPHAN_GONE}, or {@code ORPHAN_ALIVE} after 30 s); {@code DONE}, and waits for a
 *       line on stdin;</li>
 *   <li>{@code drop-and-exit}: the same, but main returns as soon as the member is gone.</li>
 * </ul>
 */
public final class LeakApp {

    /** A script of two lines. */
    public static final String MULTILINE = "sleep 300 &\nwait";

    /** Held until the end: the trees must not be dropped. */
    static final List<Process> TREES = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        Report.jvm();
        switch (args[0]) {
            case "return":
            case "wait":
                int line = new Throwable().getStackTrace()[0].getLineNumber() + 1;
                Process term = new ProcessBuilder("sh", "-c", Trees.TREE).start();
                long termStarted = started(term, "main", line);
                line = new Throwable().getStackTrace()[0].getLineNumber() + 1;
                Process ignoring = new ProcessBuilder("sh", "-c", Trees.TREE_IGNORING_TERM).start();
                long ignoringStarted = started(ignoring, "main", line);
                TREES.add(term);
                TREES.add(ignoring);
                Trees.awaitMembers(term.pid(), 3);
                Trees.awaitMembers(ignoring.pid(), 3);
                Report.line("AGE " + term.pid() + " " + (System.nanoTime() - termStarted) / 1_000_000);
                Report.line("AGE " + ignoring.pid() + " " + (System.nanoTime() - ignoringStarted) / 1_000_000);
                if (args[0].equals("return")) {
                    Report.line("EXITING");
                    return;
                }
                Report.line("READY");
                Thread.sleep(Long.MAX_VALUE);
                return;
            case "multiline":
                line = new Throwable().getStackTrace()[0].getLineNumber() + 1;
                Process script = new ProcessBuilder("sh", "-c", MULTILINE).start();
                long scriptStarted = started(script, "main", line);
                TREES.add(script);
                Trees.awaitMembers(script.pid(), 2);
                Report.line("AGE " + script.pid() + " " + (System.nanoTime() - scriptStarted) / 1_000_000);
                Report.line("EXITING");
                return;
            case "drop":
            case "drop-and-exit":
                destroyOne();
                Proc.Stat orphan = startAndDrop();
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (Proc.alive(orphan.pid, orphan.startTime) && System.nanoTime() - deadline < 0) {
                    System.gc();
                    Thread.sleep(20);
                }
                Report.line(Proc.alive(orphan.pid, orphan.startTime) ? "ORPHAN_ALIVE" : "ORPHAN_GONE");
                Report.line("DONE");
                if (args[0].equals("drop-and-exit")) return;
                new BufferedReader(new InputStreamReader(System.in)).readLine();
                return;
            default:
                throw new IllegalArgumentException(args[0]);
        }
    }

    /** Reports {@code STARTED} and {@code GROUP} for P; returns System.nanoTime(). */
    private static long started(Process p, String method, int line) {
        long now = System.nanoTime();
        Report.line("STARTED " + p.pid() + " " + method + " " + line);
        Report.line("GROUP " + p.pid());
        return now;
    }

    private static void destroyOne() throws Exception {
        int line = new Throwable().getStackTrace()[0].getLineNumber() + 1;
        Process p = new ProcessBuilder("sh", "-c", Trees.TREE).start();
        started(p, "destroyOne", line);
        List<Proc.Stat> members = Trees.awaitMembers(p.pid(), 3);
        p.destroy();
        Report.line("DESTROYED");
        Report.line("EXIT " + p.waitFor());
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!Trees.alive(members).isEmpty() && System.nanoTime() - deadline < 0) Thread.sleep(5);
        Report.line(Trees.alive(members).isEmpty() ? "DESTROYED_GONE" : "DESTROYED_ALIVE " + Trees.alive(members));
    }

    /** In a method of its own, so that no local variable keeps the Process reachable afterwards. */
    private static Proc.Stat startAndDrop() throws Exception {
        int line = new Throwable().getStackTrace()[0].getLineNumber() + 1;
        Process p = new ProcessBuilder("sh", "-c", Trees.LEADER_EXITS_ONE).start();
        started(p, "startAndDrop", line);
        Report.line("LEADER_EXIT " + p.waitFor());
        List<Proc.Stat> left = Proc.liveInGroup(p.pid());
        if (left.size() != 1) throw new IllegalStateException("expected one orphan in group " + p.pid() + ": " + left);
        Report.line("ORPHAN " + left.get(0).pid + ":" + left.get(0).startTime);
        return left.get(0);
    }
}
