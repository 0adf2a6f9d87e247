package dev.hygiene.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * When a tracked group is terminated, and why ({@link Ending}): the escalation is the same every
 * time; this is what sets it off.
 * <ul>
 *   <li>{@code destroy()} and {@code destroyForcibly()} of its Process: at once;</li>
 *   <li>the application dropped its Process (the registry's Cleaner): within a batch;</li>
 *   <li>orphans=terminate: its leader exited: within a batch;</li>
 *   <li>the MBean's terminateAll: at once;</li>
 *   <li>JVM shutdown: every live group at once, waiting at most the longest grace + 1 s.</li>
 * </ul>
 * {@link #track} registers a new group for all of these, and with the watchdog (for a JVM that is
 * killed). As the registry's callback, this is told of dropped Processes.
 */
final class Termination implements Consumer<ProcessGroup> {

    /**
     * The live groups at shutdown from which they are handed to the watchdog before any signal.
     * Each child that exits while the JVM runs is reaped by one of the JDK's threads, at a kernel
     * cost in proportion to the descriptors the JVM had when it started it (the JDK's jspawnhelper
     * lists them in /proc), so N children cost about N^2 (BENCHMARKS.md, "Exit with 1000 groups"),
     * and the JVM cannot end before its threads have finished: signalled by the JVM, 1000 groups
     * held its exit 1.5 s on 2 cores; 300 were gone faster than a plain JVM exits (its 300 ms wait
     * for threads in native code), 500 took 0.5 s more. Children that exit after the JVM are
     * reaped by init (or the subreaper), and the JVM exits as fast as without the agent.
     */
    static final int HANDOFF_MIN_GROUPS = 400;
    /** How long after a hand-off the JVM, if it still runs, sends the stop signal itself. */
    static final long HANDOFF_FALLBACK_MS = 1000;

    private final Lifecycle life;

    Termination(Lifecycle life) {
        this.life = life;
    }

    /** From now on G (with its Process P, null if adopted) is terminated on each of the occasions above. */
    void track(ProcessGroup g, Process p) {
        life.registry.add(g, p);
        if (g.leadsGroup()) {
            Watchdog w = life.watchdog();
            if (w != null) w.track(g);
            // orphans=terminate: what the leader leaves behind goes when it exits, not when the
            // application lets go of the Process. (onExit runs its stages in the common pool.)
            if (life.config.terminateOrphans && p != null) p.onExit().thenRun(new LeaderExited(g));
        }
        // A start that raced with shutdown would otherwise outlive the JVM.
        if (life.shuttingDown()) life.escalation().terminate(List.of(g), false);
    }

    /**
     * Process.destroy (FORCE false) or destroyForcibly (true) of the child HANDLE: a tracked group
     * gets the escalation as a whole; any other process what the JDK gives it.
     */
    boolean destroy(ProcessHandle handle, boolean force) {
        ProcessGroup g = life.registry.get(handle.pid());
        if (g == null) return force ? handle.destroyForcibly() : handle.destroy();
        g.end(Ending.DESTROY);
        life.escalation().terminate(List.of(g), force);
        return true;
    }

    /** The registry's Cleaner: the application let go of G's Process. */
    @Override
    public void accept(ProcessGroup g) {
        if (!life.registry.contains(g)) return;
        Log.debug("dropped " + g + "; terminating what is left of it");
        g.end(Ending.DROPPED);
        life.escalation().terminateSoon(g);
    }

    /** orphans=terminate: the leader of G has exited while the application may still hold its Process. */
    private final class LeaderExited implements Runnable {
        private final ProcessGroup g;

        LeaderExited(ProcessGroup g) {
            this.g = g;
        }

        @Override
        public void run() {
            // Not if the group is already being ended (destroy, shutdown) or gone.
            if (!life.registry.contains(g) || g.ending != null) return;
            Log.debug("the leader of " + g + " exited; terminating what is left of it (orphans=terminate)");
            g.end(Ending.ORPHANED);
            life.escalation().terminateSoon(g);
        }
    }

    /** Every live group gets the escalation now, leaving the JVM running; returns how many. */
    int terminateAll() {
        List<ProcessGroup> groups = life.registry.snapshot();
        for (ProcessGroup g : groups) g.end(Ending.TERMINATE_ALL);
        life.escalation().terminate(groups, false);
        return groups.size();
    }

    /**
     * At JVM shutdown: every live group at once; returns when all are gone, or after the longest
     * grace + 1 s. With {@value #HANDOFF_MIN_GROUPS} live groups or more, those the watchdog lists
     * are handed to it instead, before any signal (see {@link #HANDOFF_MIN_GROUPS}): it gives them
     * the escalation once the JVM has exited; if the JVM still runs {@value #HANDOFF_FALLBACK_MS} ms
     * later (another shutdown hook holds it), the JVM sends their stop signal itself, and the
     * watchdog goes on from there. Returns true if groups were handed off. Children that have
     * finished cost less: an empty cgroup is reported gone without the escalation, and a group
     * with a marker is looked at with the environments at once (see {@link Escalation#terminateExited}).
     */
    boolean atShutdown() {
        List<ProcessGroup> groups = new ArrayList<>();
        for (ProcessGroup g : life.registry.snapshot()) {
            // A finished child whose cgroup is empty needs no escalation (it would find it empty too).
            if (g.cgroup == null || !life.outcomes().goneIfEmpty(g)) groups.add(g);
        }
        Log.debug("shutdown: " + groups.size() + " live groups");
        if (groups.isEmpty()) return false;
        long deadline = System.nanoTime() + life.config.longestGrace().toNanos() + TimeUnit.SECONDS.toNanos(1);
        for (ProcessGroup g : groups) g.end(Ending.SHUTDOWN);
        Watchdog w = groups.size() >= HANDOFF_MIN_GROUPS ? life.watchdogIfStarted() : null;
        List<ProcessGroup> handed = w == null ? List.of() : w.handOff(unsignalled(groups));
        if (!handed.isEmpty()) {
            Log.debug("shutdown: handed " + handed.size() + " groups to the watchdog, which stops them once the JVM has exited");
            Thread t = new Thread(new Fallback(w, handed), "process-hygiene-handoff");
            t.setDaemon(true);
            t.start();
            groups = new ArrayList<>(groups);
            groups.removeAll(handed);
        }
        // A finished child with a marker (group mode) needs a look for its escapees: one scan that
        // reads the environments serves all such groups, and those found empty need no round.
        List<ProcessGroup> exited = new ArrayList<>();
        List<ProcessGroup> running = new ArrayList<>();
        for (ProcessGroup g : groups) (g.marker != null && g.leaderExited() ? exited : running).add(g);
        if (!exited.isEmpty()) life.escalation().terminateExited(exited);
        life.escalation().terminate(running, false);
        try {
            if (!life.escalation().awaitIdle(deadline)) {
                Log.warn("shutdown: " + life.escalation().pendingCount() + " groups not gone after the grace period");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !handed.isEmpty();
    }

    /** GROUPS as handed off before any signal ({@link HelperProtocol#STAGE_NONE}). */
    private static List<Escalation.HandOff> unsignalled(List<ProcessGroup> groups) {
        List<Escalation.HandOff> out = new ArrayList<>(groups.size());
        for (ProcessGroup g : groups) out.add(new Escalation.HandOff(g, 0, HelperProtocol.STAGE_NONE, -1, 0, 0));
        return out;
    }

    /**
     * The JVM still runs {@value #HANDOFF_FALLBACK_MS} ms after it handed its groups off: another
     * shutdown hook holds it (one that waits for a child, say). The groups are not to wait for the
     * JVM's end: the JVM sends their stop signal itself, and tells the watchdog so (an H line of
     * each, with the time), which goes on from there once the JVM has exited: no second stop signal.
     */
    private final class Fallback implements Runnable {
        private final Watchdog watchdog;
        private final List<ProcessGroup> groups;

        Fallback(Watchdog watchdog, List<ProcessGroup> groups) {
            this.watchdog = watchdog;
            this.groups = groups;
        }

        @Override
        public void run() {
            try {
                long at = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HANDOFF_FALLBACK_MS);
                for (long left; (left = at - System.nanoTime()) > 0; ) TimeUnit.NANOSECONDS.sleep(left);
                Log.debug("shutdown: the JVM still runs " + HANDOFF_FALLBACK_MS + " ms after it handed "
                        + groups.size() + " groups off: it stops them itself");
                life.escalation().terminate(groups, false);
                // A JVM that ends between the signals and these lines leaves the watchdog to send
                // the stop signal again: a window of the signals' own length, at this moment only.
                life.escalation().handOff(watchdog::handOff, Long.MAX_VALUE);
            } catch (InterruptedException e) {
                // a daemon thread nobody interrupts
            } catch (Throwable t) {
                // Never into the application's uncaught-exception handler.
                Log.error("at shutdown: " + t);
            }
        }
    }
}
