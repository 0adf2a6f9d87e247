package dev.hygiene.core;

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
        if (life.shuttingDown()) life.escalation.terminate(List.of(g), false);
    }

    /**
     * Process.destroy (FORCE false) or destroyForcibly (true) of the child HANDLE: a tracked group
     * gets the escalation as a whole; any other process what the JDK gives it.
     */
    boolean destroy(ProcessHandle handle, boolean force) {
        ProcessGroup g = life.registry.get(handle.pid());
        if (g == null) return force ? handle.destroyForcibly() : handle.destroy();
        g.end(Ending.DESTROY);
        life.escalation.terminate(List.of(g), force);
        return true;
    }

    /** The registry's Cleaner: the application let go of G's Process. */
    @Override
    public void accept(ProcessGroup g) {
        if (!life.registry.contains(g)) return;
        Log.debug("dropped " + g + "; terminating what is left of it");
        g.end(Ending.DROPPED);
        life.escalation.terminateSoon(g);
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
            life.escalation.terminateSoon(g);
        }
    }

    /** Every live group gets the escalation now, leaving the JVM running; returns how many. */
    int terminateAll() {
        List<ProcessGroup> groups = life.registry.snapshot();
        for (ProcessGroup g : groups) g.end(Ending.TERMINATE_ALL);
        life.escalation.terminate(groups, false);
        return groups.size();
    }

    /** At JVM shutdown: every live group at once; returns when all are gone, or after the longest grace + 1 s. */
    void atShutdown() {
        List<ProcessGroup> groups = life.registry.snapshot();
        Log.debug("shutdown: " + groups.size() + " live groups");
        if (groups.isEmpty()) return;
        long deadline = System.nanoTime() + life.config.longestGrace().toNanos() + TimeUnit.SECONDS.toNanos(1);
        for (ProcessGroup g : groups) g.end(Ending.SHUTDOWN);
        life.escalation.terminate(groups, false);
        try {
            if (!life.escalation.awaitIdle(deadline)) {
                Log.warn("shutdown: " + life.escalation.pendingCount() + " groups not gone after the grace period");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
